# The R port's entry point (python_impl/entry.py; the tasks are in docs/interchange.md):
#
#     Rscript --vanilla r_impl/entry.R TASK_FOLDER|--worker
#
# Reads TASK/config.txt and TASK/in/, writes TASK/out/ (the manifest last). On any error it prints one line
# `error: ...` to standard error and exits with code 1; with --worker it serves `run TASK_FOLDER` lines on its
# standard input (docs/interchange.md, "Workers"). This file is the protocol: the command line, the worker loop
# and the one-line errors; it reads a task folder, runs its task (tasks.R, on inputs checked by checks.R, timed by
# kernels.R) and writes the results. Base R only: its own reader and writer of the interchange format
# (interchange.R), its own `info` (info.R); nothing of the harness.

local({
  args <- commandArgs(trailingOnly = FALSE)
  here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", args, value = TRUE)[1])))
  for (file in c("interchange.R", "info.R", "layers.R", "gradient.R", "perceptron.R", "two_layer_net.R", "fused.R",
                 "train.R", "checks.R", "kernels.R", "tasks.R")) {
    sys.source(file.path(here, file), envir = globalenv())
  }
})

STATE <- list()  # what the worker tasks keep between requests (tasks.R)

# Runs the task folder: reads config.txt and in/, writes out/ (the manifest last), and out/info.txt when the
# task's results carry an `info` (the `info` task).
run_folder <- function(task_dir) {
  config <- read_config(task_dir)
  in_dir <- file.path(task_dir, "in")
  inputs <- if (file.exists(file.path(in_dir, "manifest.txt"))) read_arrays(in_dir) else list()
  task <- if ("task" %in% names(config)) config[["task"]] else ""
  if (!(task %in% names(TASKS))) {
    task_error("unknown task '%s' (%s)", task, paste(sort(names(TASKS)), collapse = ", "))
  }
  outcome <- TASKS[[task]](config, inputs, STATE)
  STATE <<- outcome$state
  results <- outcome$results
  out_dir <- file.path(task_dir, "out")
  if (!is.null(results$info)) write_info(out_dir, results$info)
  results$info <- NULL
  write_arrays(out_dir, results)
}

# One line for the harness, whatever went wrong: a task's own message, or R's with the call it names.
one_line <- function(e) {
  message <- conditionMessage(e)
  call <- conditionCall(e)
  if (!inherits(e, "task_error") && !inherits(e, "interchange_error") && !is.null(call)) {
    message <- paste0("in ", paste(deparse(call, nlines = 1), collapse = " "), ": ", message)
  }
  gsub("[[:space:]]+", " ", trimws(message))
}

answer <- function(line) {
  cat(line, "\n", sep = "")
  flush(stdout())
}

# Worker mode: `run TASK_FOLDER` lines on standard input, one answer line each on standard output.
serve <- function() {
  requests <- file("stdin", "r")
  answer("nnbench-ready")
  repeat {
    line <- readLines(requests, n = 1)
    if (length(line) == 0) break  # the end of the input
    request <- trimws(line)
    if (request == "quit") break
    if (!nzchar(request)) next
    verb <- sub(" .*$", "", request)
    folder <- if (grepl(" ", request)) sub("^[^ ]* ", "", request) else ""
    failure <- tryCatch({
      if (verb != "run" || !nzchar(folder)) {
        task_error("unknown request '%s' (expected: run TASK_FOLDER, or quit)", request)
      }
      run_folder(folder)
      NULL
    }, error = function(e) one_line(e))
    answer(if (is.null(failure)) "nnbench-done" else paste("nnbench-error", failure))
  }
  0L
}

main <- function(args) {
  if (length(args) != 1) {
    cat("error: usage: Rscript --vanilla r_impl/entry.R TASK_FOLDER|--worker\n", file = stderr())
    return(2L)
  }
  if (args == "--worker") return(serve())
  failure <- tryCatch({
    run_folder(args)
    NULL
  }, error = function(e) one_line(e))
  if (is.null(failure)) return(0L)
  cat("error: ", failure, "\n", sep = "", file = stderr())
  1L
}

quit(save = "no", status = main(commandArgs(trailingOnly = TRUE)))
