# The interchange format between the harness and the ports (docs/interchange.md), read and written with base R
# only: raw little-endian arrays NAME.bin (readBin, writeBin) plus manifest.txt, whose lines read
# `NAME DTYPE ORDER NDIM DIM1 ... DIMn` with the LOGICAL shape (as the Python reference holds the array).
#
# R is column-major, and this port computes in the transposed layout (one sample per column), so:
#   reading  C, logical (a, b): the bytes read into a b x a matrix ARE the transpose (no copy);
#   reading  F, logical (a, b): read as a x b, then t() (the transpose);
#   writing  an m x n matrix: as logical shape `n m` with order C (the same bytes).
# In general an N-d array is held with its dimensions reversed. NDIM 0 is a scalar, NDIM 1 a plain vector.
# int64 and uint8 arrays are read as R integers (labels, batch rows); results are written as float64.

MAGIC <- "nnbench-interchange 1"
NAME_RE <- "^[A-Za-z][A-Za-z0-9_]*$"
DTYPE_BYTES <- c(float64 = 8L, int64 = 8L, uint8 = 1L)

if (.Platform$endian != "little") stop("this port reads little-endian files on little-endian machines only")

# An error of the interchange format: its condition class lets the dispatcher say so in its one-line message.
interchange_error <- function(message) {
  stop(structure(class = c("interchange_error", "error", "condition"),
                 list(message = paste0("InterchangeError: ", message), call = NULL)))
}

# The manifest's entries: a list of (name, dtype, order, shape).
read_manifest <- function(folder) {
  path <- file.path(folder, "manifest.txt")
  if (!file.exists(path)) interchange_error(paste(path, "is missing"))
  lines <- trimws(readLines(path, warn = FALSE))
  lines <- lines[nzchar(lines) & !startsWith(lines, "#")]
  if (length(lines) == 0 || lines[1] != MAGIC) {
    interchange_error(sprintf('%s: first line must be "%s"', path, MAGIC))
  }
  lapply(lines[-1], function(line) {
    parts <- strsplit(line, "[[:space:]]+")[[1]]
    bad <- function() interchange_error(sprintf('%s: bad line "%s"', path, line))
    if (length(parts) < 4) bad()
    ndim <- suppressWarnings(as.integer(parts[4]))
    shape <- suppressWarnings(as.numeric(parts[-(1:4)]))
    if (is.na(ndim) || length(shape) != ndim || anyNA(shape) || any(shape < 0 | shape != round(shape)) ||
        !(parts[2] %in% names(DTYPE_BYTES)) || !(parts[3] %in% c("C", "F")) || !grepl(NAME_RE, parts[1])) bad()
    list(name = parts[1], dtype = parts[2], order = parts[3], shape = shape)
  })
}

# One array, in the port's layout (its logical dimensions reversed); a number for NDIM 0, a vector for NDIM 1.
read_array <- function(path, dtype, order, shape) {
  count <- prod(shape)  # 1 for a scalar (shape of length 0)
  size <- DTYPE_BYTES[[dtype]]
  if (!file.exists(path)) interchange_error(paste(path, "is missing"))
  if (file.size(path) != count * size) {
    interchange_error(sprintf("%s: expected %.0f values of %s (%.0f bytes), found %.0f bytes",
                              path, count, dtype, count * size, file.size(path)))
  }
  values <- switch(dtype,
    float64 = readBin(path, "double", n = count, size = 8, endian = "little"),
    int64 = readBin(path, "integer", n = count, size = 8, endian = "little"),
    uint8 = readBin(path, "integer", n = count, size = 1, signed = FALSE, endian = "little"))
  if (length(shape) <= 1) return(values)
  if (order == "C") return(array(values, dim = rev(shape)))  # C-order (a, b) is column-major (b, a)
  aperm(array(values, dim = shape))                          # F-order: the logical array, then reversed
}

# Every array named in the manifest, as a named list; its attribute "manifest" keeps each array's manifest entry
# (dtype and logical shape: R reads int64 and uint8 alike as integers, and a scalar as a vector of one).
read_arrays <- function(folder) {
  out <- list()
  entries <- read_manifest(folder)
  for (entry in entries) {
    out[[entry$name]] <- read_array(file.path(folder, paste0(entry$name, ".bin")), entry$dtype, entry$order,
                                    entry$shape)
  }
  attr(out, "manifest") <- setNames(entries, vapply(entries, function(e) e$name, ""))
  out
}

# Writes every array of the named list `arrays` (numbers, vectors, matrices in the port's layout) as float64
# with order C and its logical shape, then the manifest last (so a folder with a manifest is complete).
write_arrays <- function(folder, arrays) {
  dir.create(folder, showWarnings = FALSE, recursive = TRUE)
  lines <- MAGIC
  for (name in sort(names(arrays))) {
    value <- arrays[[name]]
    if (!grepl(NAME_RE, name)) interchange_error(sprintf('bad array name "%s"', name))
    dims <- dim(value)
    logical_shape <- if (is.null(dims)) {
      if (length(value) == 1 && isTRUE(attr(value, "scalar"))) integer(0) else length(value)
    } else rev(dims)
    con <- file(file.path(folder, paste0(name, ".bin")), "wb")
    writeBin(as.double(value), con, size = 8, endian = "little")
    close(con)
    lines <- c(lines, paste(c(name, "float64", "C", length(logical_shape), logical_shape), collapse = " "))
  }
  tmp <- file.path(folder, "manifest.txt.tmp")
  writeLines(lines, tmp)
  file.rename(tmp, file.path(folder, "manifest.txt"))
  invisible(NULL)
}

# A number written as a scalar (NDIM 0): R has no 0-d arrays, so a scalar result is marked as one.
scalar <- function(x) structure(as.double(x), scalar = TRUE)

# KEY VALUE lines (config.txt) as a named character vector.
read_config <- function(folder) {
  path <- file.path(folder, "config.txt")
  if (!file.exists(path)) interchange_error(paste(path, "is missing"))
  lines <- trimws(readLines(path, warn = FALSE))
  lines <- lines[nzchar(lines)]
  keys <- sub(" .*$", "", lines)
  values <- ifelse(grepl(" ", lines), trimws(sub("^[^ ]* ", "", lines)), "")
  setNames(values, keys)
}

# info.txt: KEY VALUE lines beside the arrays (`info`: a named character vector).
write_info <- function(folder, info) {
  dir.create(folder, showWarnings = FALSE, recursive = TRUE)
  writeLines(paste(names(info), info), file.path(folder, "info.txt"))
  invisible(NULL)
}
