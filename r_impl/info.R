# The `info` task's facts about this process (docs/interchange.md): R's version, the BLAS library actually
# loaded, the kernels OpenBLAS chose, the thread count in force and the clock the timings use. Apart from the
# dispatcher (entry.R) and from the maths; base R only.
#
# The thread count is inferred, and blas_threads_source says so ("inferred ..."): base R can load a C library
# (dyn.load) but calls its functions only through .C, which drops the value a function returns, or .Call,
# which expects an R object back; openblas_get_num_threads answers with its return value only. So the count is
# worked out as OpenBLAS works it out when it loads.

# The info lines as a named character vector: version, blas, blas_core, blas_threads, blas_threads_source,
# clock, and what else a reader of the results may want to know about this R.
port_info <- function() {
  blas <- loaded_blas()
  threads <- blas_threads(blas$openblas)
  c(version = R.version.string,
    blas = blas$text,
    blas_core = if (blas$openblas) openblas_core() else "n/a (not OpenBLAS)",
    blas_threads = threads$count,
    blas_threads_source = threads$how,
    lapack = La_library(),
    malloc = malloc_settings(),
    clock = paste("Sys.time (the wall clock, clock_gettime(CLOCK_REALTIME), as a double of seconds:",
                  "steps of 0.24 us at today's dates; about 1.5 us per call; not monotonic)"))
}

# The BLAS this process actually loaded: R's own answer (extSoftVersion()["BLAS"], the file it linked as
# libblas.so.3) and the shared libraries mapped into it (/proc/self/maps, where the kernel shows the real file
# behind every symbolic link).
loaded_blas <- function() {
  linked <- extSoftVersion()[["BLAS"]]
  files <- character(0)
  if (file.exists("/proc/self/maps")) {
    maps <- readLines("/proc/self/maps", warn = FALSE)
    paths <- sub("^[^/]*", "", maps[grepl("/lib(open)?blas[^/]*\\.so", maps)])
    files <- unique(paths[nzchar(paths)])
  }
  openblas <- grep("/libopenblas", files, value = TRUE)
  text <- if (length(openblas) > 0) {
    version <- regmatches(openblas[1], regexpr("[0-9]+\\.[0-9]+\\.[0-9]+", openblas[1]))
    sprintf("OpenBLAS %s, %s (R links %s)", version, openblas[1], linked)
  } else if (any(grepl("/blas/libblas", files))) {
    sprintf("reference BLAS (netlib), %s (R links %s)", files[1], linked)
  } else {
    sprintf("%s (R links %s)", paste(files, collapse = ", "), linked)
  }
  list(text = text, openblas = length(openblas) > 0)
}

# OpenBLAS picks its kernels for the CPU when it loads and tells which when OPENBLAS_VERBOSE=2: ask a second R
# (the same executable, libraries and environment) to start and exit.
openblas_core <- function() {
  r <- file.path(R.home("bin"), "R")
  out <- suppressWarnings(system2(r, c("--vanilla", "--slave", "-e", shQuote("invisible(0)")), stdout = TRUE, stderr = TRUE,
                                  env = "OPENBLAS_VERBOSE=2"))
  line <- grep("Core: *[[:alnum:]_]+", out, value = TRUE)
  if (length(line) == 0) return("unknown")
  paste(sub(".*Core: *([[:alnum:]_]+).*", "\\1", line[1]), "(OPENBLAS_VERBOSE=2 in a child R)")
}

# The CPUs this process may use (its affinity mask, from /proc/self/status).
available_cpus <- function() {
  status <- readLines("/proc/self/status", warn = FALSE)
  allowed <- sub("^Cpus_allowed_list:[[:space:]]*", "", grep("^Cpus_allowed_list:", status, value = TRUE))
  count <- 0
  for (range in strsplit(allowed, ",")[[1]]) {
    ends <- as.integer(strsplit(range, "-")[[1]])
    count <- count + if (length(ends) == 2) ends[2] - ends[1] + 1 else 1
  }
  count
}

# The thread count OpenBLAS takes at load time: OPENBLAS_NUM_THREADS, else GOTO_NUM_THREADS, else
# OMP_NUM_THREADS, else one per available CPU; never more than the CPUs available to the process. Any other
# BLAS found here (the reference BLAS) has one.
blas_threads <- function(openblas) {
  if (!openblas) {
    return(list(count = "1", how = "inferred: the loaded BLAS is not OpenBLAS, taken as single-threaded (the reference BLAS is)"))
  }
  cpus <- available_cpus()
  for (var in c("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")) {
    value <- suppressWarnings(as.numeric(Sys.getenv(var)))
    if (!is.na(value) && value >= 1) {
      return(list(count = as.character(min(floor(value), cpus)),
                  how = sprintf("inferred from %s=%s, which OpenBLAS reads when it loads (capped at the %d available CPUs)",
                                var, Sys.getenv(var), cpus)))
    }
  }
  list(count = as.character(cpus),
       how = sprintf("inferred: no thread variable set, so OpenBLAS uses one thread per available CPU (%d)", cpus))
}

# glibc's malloc settings from the environment (R, too, allocates a new array for most results).
malloc_settings <- function() {
  vars <- c("GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX")
  set <- vars[nzchar(Sys.getenv(vars))]
  if (length(set) == 0) "glibc defaults" else paste0(set, "=", Sys.getenv(set), collapse = " ")
}
