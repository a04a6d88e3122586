# The R port's entry point (python_impl/entry.py; the tasks are in docs/interchange.md):
#
#     Rscript --vanilla r_impl/entry.R TASK_FOLDER|--worker
#
# Reads TASK/config.txt and TASK/in/, writes TASK/out/ (the manifest last). On any error it prints one line
# `error: ...` to standard error and exits with code 1; with --worker it serves `run TASK_FOLDER` lines on its
# standard input (docs/interchange.md, "Workers"). Base R only: its own reader and writer of the interchange
# format (interchange.R), its own `info` (info.R); nothing of the harness. The inputs are checked here, once,
# with messages that name the array and what was expected (as the other ports' entries do); the layers and the
# network then trust them.

local({
  args <- commandArgs(trailingOnly = FALSE)
  here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", args, value = TRUE)[1])))
  for (file in c("interchange.R", "info.R", "layers.R", "gradient.R", "perceptron.R", "two_layer_net.R", "fused.R",
                 "train.R")) {
    sys.source(file.path(here, file), envir = globalenv())
  }
})

VARIANTS <- c("layers", "fused")  # the book's layers, and the same step written as fast, clear code

# A task that cannot run on what it was given: the message says which input or setting, and why.
task_error <- function(...) {
  stop(structure(class = c("task_error", "error", "condition"), list(message = sprintf(...), call = NULL)))
}

# ---- inputs and config, checked once, with clear errors ------------------------------------------------------
KINDS <- c(f = "float64", i = "int64", u = "uint8")

described <- function(entry) {
  sprintf("a %d-d %s array of shape (%s)", length(entry$shape), entry$dtype, paste(entry$shape, collapse = ", "))
}

# The input `name`, which must have `ndim` dimensions and one of the dtype kinds `kinds` (f: float64, i: int64,
# u: uint8), in this port's layout.
input <- function(inputs, name, ndim, kinds = "f") {
  entry <- attr(inputs, "manifest")[[name]]
  if (is.null(entry)) {
    have <- if (length(inputs) == 0) "nothing" else paste(names(inputs), collapse = " ")
    task_error("input '%s' is missing (in/manifest.txt has: %s)", name, have)
  }
  wanted <- KINDS[strsplit(kinds, "")[[1]]]
  if (length(entry$shape) != ndim || !(entry$dtype %in% wanted)) {
    task_error("input '%s' must be a %d-d %s array, got %s", name, ndim, paste(wanted, collapse = " or "),
               described(entry))
  }
  inputs[[name]]
}

# config.txt's value for `key`: as text, or as "integer" or "number".
setting <- function(config, key, kind = "text") {
  if (!(key %in% names(config))) task_error("config.txt has no '%s'", key)
  value <- config[[key]]
  if (kind == "text") return(value)
  number <- suppressWarnings(as.numeric(value))
  if (is.na(number) || (kind == "integer" && number != round(number))) {
    task_error("config.txt: '%s %s' is not a valid %s", key, value, kind)
  }
  number
}

flag <- function(config, key) isTRUE(config[key] == "1")

# The request's variant (`layers` unless given).
variant <- function(config) {
  name <- if ("variant" %in% names(config)) config[["variant"]] else "layers"
  if (!(name %in% VARIANTS)) task_error("unknown variant '%s' (expected layers or fused)", name)
  name
}

# The network's parameters W1 (H x D), b1 (H), W2 (C x H), b2 (C) as the environment a network shares with its
# layers (two_layer_net.R), with their shapes checked.
read_params <- function(inputs) {
  arrays <- sapply(PARAM_NAMES, function(name) input(inputs, name, if (startsWith(name, "W")) 2 else 1),
                   simplify = FALSE)
  hidden <- nrow(arrays$W1)
  if (!(length(arrays$b1) == hidden && ncol(arrays$W2) == hidden && length(arrays$b2) == nrow(arrays$W2))) {
    shapes <- vapply(PARAM_NAMES, function(name) described(attr(inputs, "manifest")[[name]]), "")
    task_error("parameter shapes do not fit together: %s", paste(PARAM_NAMES, shapes, collapse = ", "))
  }
  new_params(arrays)
}

# The targets `name` for `samples` samples: int64 or uint8 labels 0..classes-1 (N), converted once to 1-based
# integers; with one_hot, also float64 one-hot rows (N x classes, held as classes x N).
targets <- function(inputs, name, classes, samples, one_hot = FALSE) {
  entry <- attr(inputs, "manifest")[[name]]
  if (one_hot && !is.null(entry) && length(entry$shape) == 2) {
    t <- input(inputs, name, 2)
    if (!identical(dim(t), as.integer(c(classes, samples)))) {
      task_error("one-hot targets '%s' must be %d x %d, got %s", name, samples, classes, described(entry))
    }
    return(t)
  }
  t <- input(inputs, name, 1, "iu")
  if (length(t) != samples) task_error("%d labels in '%s' for %d samples", length(t), name, samples)
  if (length(t) > 0 && (anyNA(t) || min(t) < 0 || max(t) >= classes)) {
    task_error("labels in '%s' must be 0..%d, found %s..%s", name, classes - 1, min(t), max(t))
  }
  t + 1L
}

# The samples `name` (D x N, one per column), D being what W1 expects.
samples <- function(inputs, name, params, kinds = "f") {
  x <- input(inputs, name, 2, kinds)
  if (nrow(x) != ncol(params$W1)) {
    task_error("%s has %d features per sample, W1 expects %d", name, nrow(x), ncol(params$W1))
  }
  x
}

# The batch x (D x N float64) and its targets t, checked against the parameters.
batch <- function(inputs, params, one_hot = FALSE) {
  x <- samples(inputs, "x", params)
  list(x = x, t = targets(inputs, "t", nrow(params$W2), ncol(x), one_hot))
}

# A network of the variant `name` on the parameters (shared, not copied).
new_net <- function(name, params) if (name == "fused") FusedNet(params) else TwoLayerNet(params)

# ---- tasks: each returns its results by name (a named list) --------------------------------------------------
task_noop <- function(config, inputs, out_dir) list()

task_info <- function(config, inputs, out_dir) {
  write_info(out_dir, port_info())
  list()
}

task_grad <- function(config, inputs, out_dir) {
  model <- setting(config, "model")
  numerical <- flag(config, "numerical")
  if (model == "perceptron") {
    x <- input(inputs, "x", 2)
    p <- list2env(list(W = input(inputs, "W", 1), b = input(inputs, "b", 0)))
    t <- input(inputs, "t", 1)
    if (length(p$W) != nrow(x) || length(t) != ncol(x)) {
      task_error("perceptron: x %s, W %s and t %s do not fit together", described(attr(inputs, "manifest")$x),
                 described(attr(inputs, "manifest")$W), described(attr(inputs, "manifest")$t))
    }
    if (numerical) {
      f <- function() perceptron$loss(p$W, p$b, x, t)
      return(list(loss = scalar(f()), W = numerical_gradient(f, p, "W"), b = scalar(numerical_gradient(f, p, "b"))))
    }
    g <- perceptron$gradient(p$W, p$b, x, t)
    return(list(loss = scalar(g$E), W = g$dW, b = scalar(g$db)))
  }
  if (model != "two_layer_net") task_error("unknown model '%s' (two_layer_net or perceptron)", model)
  params <- read_params(inputs)
  b <- batch(inputs, params, one_hot = TRUE)
  net <- TwoLayerNet(params)
  if (numerical) return(c(list(loss = scalar(net$loss(b$x, b$t))), net$numerical_gradient(b$x, b$t)))
  g <- net$gradient(b$x, b$t)
  c(list(loss = scalar(g$L)), g$grads)
}

LAYER_INPUTS <- c(matmul_x = 2, matmul_W = 2, matmul_dout = 2, add_x = 2, add_y = 2, add_dout = 2, mul_x = 2,
                  mul_y = 2, mul_dout = 2, relu_x = 2, relu_dout = 2, sigmoid_x = 2, sigmoid_dout = 2, affine_x = 2,
                  affine_W = 2, affine_b = 1, affine_dout = 2, softmax_x = 2, softmax_t = 2)

task_layers <- function(config, inputs, out_dir) {
  g <- sapply(names(LAYER_INPUTS), function(name) input(inputs, name, LAYER_INPUTS[[name]]), simplify = FALSE)
  out <- list()
  layer <- MatMul(g$matmul_W)
  out$matmul_out <- layer$forward(g$matmul_x)
  out$matmul_dx <- layer$backward(g$matmul_dout)
  out$matmul_dW <- layer$dW
  layer <- Add()
  out$add_out <- layer$forward(g$add_x, g$add_y)
  d <- layer$backward(g$add_dout)
  out$add_dx <- d$dx
  out$add_dy <- d$dy
  layer <- Mul()
  out$mul_out <- layer$forward(g$mul_x, g$mul_y)
  d <- layer$backward(g$mul_dout)
  out$mul_dx <- d$dx
  out$mul_dy <- d$dy
  layer <- Relu()
  out$relu_out <- layer$forward(g$relu_x)
  out$relu_dx <- layer$backward(g$relu_dout)
  layer <- Sigmoid()
  out$sigmoid_out <- layer$forward(g$sigmoid_x)
  out$sigmoid_dx <- layer$backward(g$sigmoid_dout)
  layer <- Affine(list2env(list(W = g$affine_W, b = g$affine_b)))
  out$affine_out <- layer$forward(g$affine_x)
  out$affine_dx <- layer$backward(g$affine_dout)
  out$affine_dW <- layer$dW
  out$affine_db <- layer$db
  layer <- SoftmaxWithLoss()
  out$softmax_loss <- scalar(layer$forward(g$softmax_x, g$softmax_t))
  out$softmax_dx <- layer$backward(1)
  out
}

# Every run of the perceptron's training, first (untimed-for-steady-state) and repeated, from the same W and b.
task_perceptron <- function(config, inputs, out_dir) {
  epochs <- setting(config, "epochs", "integer")
  lr <- setting(config, "lr", "number")
  repeats <- setting(config, "repeats", "integer")
  x <- input(inputs, "x", 2)
  y <- input(inputs, "y", 1)
  W0 <- input(inputs, "W", 1)
  b0 <- input(inputs, "b", 0)
  if (length(W0) != nrow(x) || length(y) != ncol(x)) {
    task_error("perceptron: x, W and y do not fit together (%d x %d samples, %d weights, %d targets)",
               ncol(x), nrow(x), length(W0), length(y))
  }
  learn <- if (variant(config) == "fused") fused_perceptron_train else perceptron$train
  times <- numeric(repeats)
  start <- Sys.time()
  result <- learn(W0, b0, x, y, epochs, lr)
  first <- as.double(Sys.time()) - as.double(start)
  for (r in seq_len(repeats)) {
    start <- Sys.time()
    result <- learn(W0, b0, x, y, epochs, lr)
    times[r] <- as.double(Sys.time()) - as.double(start)
  }
  list(W = result$W, b = scalar(result$b), losses = result$losses, solved_epoch = scalar(result$solved_epoch),
       first_time = scalar(first), times = times)
}

# The training problem as this port holds it, checked: images as doubles in [0, 1], labels and batch rows
# 1-based.
load_training <- function(inputs, params) {
  classes <- nrow(params$W2)
  x_train <- samples(inputs, "x_train", params, "u")
  x_test <- samples(inputs, "x_test", params, "u")
  batches <- input(inputs, "batches", 2, "i")
  if (length(batches) > 0 && (min(batches) < 0 || max(batches) >= ncol(x_train))) {
    task_error("batch rows must be 0..%d, found %d..%d", ncol(x_train) - 1, min(batches), max(batches))
  }
  list(x_train = x_train / 255, t_train = targets(inputs, "t_train", classes, ncol(x_train)),
       x_test = x_test / 255, t_test = targets(inputs, "t_test", classes, ncol(x_test)), batches = batches + 1L)
}

task_train <- function(config, inputs, out_dir) {
  lr <- setting(config, "lr", "number")
  eval_every <- setting(config, "eval_every", "integer")
  if (eval_every < 1) task_error("eval_every must be at least 1")
  params <- read_params(inputs)
  d <- load_training(inputs, params)
  net <- new_net(variant(config), params)
  iters <- ncol(d$batches)
  progress <- function(i) {
    cat(sprintf("progress %d %d\n", i, iters))
    flush(stdout())
  }
  result <- train(net, d$x_train, d$t_train, d$x_test, d$t_test, d$batches, lr, eval_every, progress)
  c(result, param_values(params))
}

# ---- worker tasks: state kept between requests (docs/interchange.md, "Workers") ----------------------------
STATE <- new.env()

# Holds the network, the data and the batch sequence for the train_steps requests that follow, one run per
# variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run.
task_train_begin <- function(config, inputs, out_dir) {
  params <- read_params(inputs)
  data <- load_training(inputs, params)
  first <- if ("first" %in% names(config)) setting(config, "first", "integer") else 0
  STATE[[paste0("train_", variant(config))]] <- list2env(c(list(
    net = new_net(variant(config), params), params = params, done = first, lr = setting(config, "lr", "number")),
    data))
  list()
}

# The training run of the request's variant that train_begin holds.
held_run <- function(config, task) {
  s <- STATE[[paste0("train_", variant(config))]]
  if (is.null(s)) task_error("%s before train_begin (variant %s)", task, variant(config))
  s
}

# Steps first .. first+steps-1 of the held training run; the accuracies too when `evaluate` is 1.
task_train_steps <- function(config, inputs, out_dir) {
  s <- held_run(config, "train_steps")
  first <- setting(config, "first", "integer")
  steps <- setting(config, "steps", "integer")
  if (first != s$done || steps < 1 || first + steps > ncol(s$batches)) {
    task_error("steps %d..%d do not follow the %d done (of %d)", first, first + steps - 1, s$done, ncol(s$batches))
  }
  chunk <- train_steps(s$net, s$x_train, s$t_train, s$batches[, first + seq_len(steps), drop = FALSE], s$lr)
  s$done <- s$done + steps
  out <- list(loss = chunk$losses, step_times = chunk$step_times)
  if (flag(config, "evaluate")) {
    out$train_acc <- scalar(accuracy(s$net, s$x_train, s$t_train))
    out$test_acc <- scalar(accuracy(s$net, s$x_test, s$t_test))
  }
  out
}

# The trained parameters; the held training run is dropped.
task_train_end <- function(config, inputs, out_dir) {
  s <- held_run(config, "train_end")
  rm(list = paste0("train_", variant(config)), envir = STATE)
  param_values(s$params)
}

# One training step timed alone: in a fresh process, the first call (with R's compilation of the functions to
# byte code, which its JIT does at their first calls).
task_first_step <- function(config, inputs, out_dir) {
  lr <- setting(config, "lr", "number")
  params <- read_params(inputs)
  b <- batch(inputs, params)
  net <- new_net(variant(config), params)
  start <- Sys.time()
  step(net, b$x, b$t, lr)
  first <- as.double(Sys.time()) - as.double(start)
  c(list(first_step = scalar(first)), param_values(params))
}

# Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
# follow.
task_bench_begin <- function(config, inputs, out_dir) {
  params <- read_params(inputs)
  b <- batch(inputs, params)
  if (is.null(STATE$bench)) STATE$bench <- new.env()
  STATE$bench[[setting(config, "case_id")]] <- list(params = param_values(params), variant = variant(config),
                                                    x = b$x, t = b$t, lr = setting(config, "lr", "number"))
  list()
}

# One round of the held case `case_id`: from its parameters, in its variant, `warmup` untimed steps then `inner`
# timed steps (step_time, per step); then the step's six matrix products alone (time_products). With `verify` 1,
# also what they computed: the parameters after warmup + inner steps, and the six products.
task_bench_round <- function(config, inputs, out_dir) {
  case <- setting(config, "case_id")
  s <- if (is.null(STATE$bench)) NULL else STATE$bench[[case]]
  if (is.null(s)) task_error("bench_round before bench_begin for case '%s'", case)
  warmup <- setting(config, "warmup", "integer")
  inner <- setting(config, "inner", "integer")
  if (warmup < 0 || inner < 1) task_error("warmup must be at least 0 and inner at least 1")
  params <- new_params(s$params)
  net <- new_net(s$variant, params)
  step_time <- time_steps(net, s$x, s$t, s$lr, warmup, inner)
  floor <- time_products(s$params$W1, s$params$W2, s$x, warmup, inner)
  out <- list(step_time = scalar(step_time), blas_time = scalar(floor$time))
  if (flag(config, "verify")) out <- c(out, param_values(params), floor$products)
  out
}

# `warmup` untimed steps, then `inner` consecutive timed steps: seconds per step.
time_steps <- function(net, x, t, lr, warmup, inner) {
  for (i in seq_len(warmup)) step(net, x, t, lr)
  start <- Sys.time()
  for (i in seq_len(inner)) step(net, x, t, lr)
  (as.double(Sys.time()) - as.double(start)) / inner
}

# The step's six matrix products alone, with the step's shapes, each into a new result as the layered step makes
# them (the same definition in every port, docs/porting.md): forward x.W1, h.W2; backward dy.W2^T, h^T.dy,
# dh.W1^T, x^T.dh (Python's names; here transposed, with crossprod and tcrossprod handing the transposes to
# BLAS). Returns list(time = seconds per set of six, products = the six, named as Python's).
time_products <- function(W1, W2, x, warmup, inner) {
  h <- W1 %*% x
  dy <- W2 %*% h
  dh <- crossprod(W2, dy)
  products <- function() list(p_xW1 = W1 %*% x, p_hW2 = W2 %*% h, p_dyW2t = crossprod(W2, dy),
                              p_htdy = tcrossprod(dy, h), p_dhW1t = crossprod(W1, dh), p_xtdh = tcrossprod(dh, x))
  for (i in seq_len(warmup)) products()
  start <- Sys.time()
  for (i in seq_len(inner)) products()
  time <- (as.double(Sys.time()) - as.double(start)) / inner
  list(time = time, products = products())
}

TASKS <- list(noop = task_noop, info = task_info, grad = task_grad, layers = task_layers,
              perceptron = task_perceptron, train = task_train, first_step = task_first_step,
              train_begin = task_train_begin, train_steps = task_train_steps, train_end = task_train_end,
              bench_begin = task_bench_begin, bench_round = task_bench_round)

# Runs the task folder: reads config.txt and in/, writes out/ (the manifest last).
run_folder <- function(task_dir) {
  config <- read_config(task_dir)
  in_dir <- file.path(task_dir, "in")
  inputs <- if (file.exists(file.path(in_dir, "manifest.txt"))) read_arrays(in_dir) else list()
  task <- if ("task" %in% names(config)) config[["task"]] else ""
  if (!(task %in% names(TASKS))) {
    task_error("unknown task '%s' (%s)", task, paste(sort(names(TASKS)), collapse = ", "))
  }
  out_dir <- file.path(task_dir, "out")
  write_arrays(out_dir, TASKS[[task]](config, inputs, out_dir))
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
