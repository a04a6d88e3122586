# The R port's tasks (docs/interchange.md), each with the same signature: (configuration, inputs, state) ->
# list(results = the results by name, state). The state is what a worker keeps between requests (held training
# runs and bench cases, by name); a task that keeps nothing hands it back as it came. Part of the dispatcher
# (entry.R, checks.R, tasks.R, kernels.R: the same four files in every port, docs/porting.md).

# A task's answer: its results and the state.
done <- function(results, state) list(results = results, state = state)

task_noop <- function(config, inputs, state) done(list(), state)

# No arrays; the facts of info.R, which the protocol writes to out/info.txt.
task_info <- function(config, inputs, state) done(list(info = port_info()), state)

task_grad <- function(config, inputs, state) {
  model <- setting(config, "model")
  numerical <- flag(config, "numerical")
  if (model == "perceptron") {
    x <- require_input(inputs, "x", 2)
    p <- list2env(list(W = require_input(inputs, "W", 1), b = require_input(inputs, "b", 0)))
    t <- require_input(inputs, "t", 1)
    if (length(p$W) != nrow(x) || length(t) != ncol(x)) {
      task_error("perceptron: x %s, W %s and t %s do not fit together", described(attr(inputs, "manifest")$x),
                 described(attr(inputs, "manifest")$W), described(attr(inputs, "manifest")$t))
    }
    if (numerical) {
      f <- function() perceptron$loss(p$W, p$b, x, t)
      return(done(list(loss = scalar(f()), W = numerical_gradient(f, p, "W"),
                       b = scalar(numerical_gradient(f, p, "b"))), state))
    }
    g <- perceptron$gradient(p$W, p$b, x, t)
    return(done(list(loss = scalar(g$E), W = g$dW, b = scalar(g$db)), state))
  }
  if (model != "two_layer_net") task_error("unknown model '%s' (two_layer_net or perceptron)", model)
  params <- read_params(inputs)
  b <- batch(inputs, params, one_hot = TRUE)
  net <- TwoLayerNet(params)
  if (numerical) return(done(c(list(loss = scalar(net$loss(b$x, b$t))), net$numerical_gradient(b$x, b$t)), state))
  g <- net$gradient(b$x, b$t)
  done(c(list(loss = scalar(g$L)), g$grads), state)
}

LAYER_INPUTS <- c(matmul_x = 2, matmul_W = 2, matmul_dout = 2, add_x = 2, add_y = 2, add_dout = 2, mul_x = 2,
                  mul_y = 2, mul_dout = 2, relu_x = 2, relu_dout = 2, sigmoid_x = 2, sigmoid_dout = 2, affine_x = 2,
                  affine_W = 2, affine_b = 1, affine_dout = 2, softmax_x = 2, softmax_t = 2)

task_layers <- function(config, inputs, state) {
  g <- sapply(names(LAYER_INPUTS), function(name) require_input(inputs, name, LAYER_INPUTS[[name]]), simplify = FALSE)
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
  done(out, state)
}

# Every run of the perceptron's training, first (untimed-for-steady-state) and repeated, from the same W and b.
task_perceptron <- function(config, inputs, state) {
  epochs <- setting(config, "epochs", "integer")
  lr <- setting(config, "lr", "number")
  repeats <- setting(config, "repeats", "integer")
  x <- require_input(inputs, "x", 2)
  y <- require_input(inputs, "y", 1)
  W0 <- require_input(inputs, "W", 1)
  b0 <- require_input(inputs, "b", 0)
  if (length(W0) != nrow(x) || length(y) != ncol(x)) {
    task_error("perceptron: x, W and y do not fit together (%d x %d samples, %d weights, %d targets)",
               ncol(x), nrow(x), length(W0), length(y))
  }
  learn <- if (variant_of(config) == "fused") fused_perceptron_train else perceptron$train
  timed <- time_runs(function() learn(W0, b0, x, y, epochs, lr), repeats)
  r <- timed$result
  done(list(W = r$W, b = scalar(r$b), losses = r$losses, solved_epoch = scalar(r$solved_epoch),
            first_time = scalar(timed$first), times = timed$times), state)
}

# The whole training run in one request, as the worker tasks run it (the one training driver): train_begin,
# train_steps in chunks of `eval_every` steps, each evaluated and reported as progress, then train_end; on a state
# of its own, so that a worker's held runs are left alone.
task_train <- function(config, inputs, state) {
  eval_every <- setting(config, "eval_every", "integer")
  if (eval_every < 1) task_error("eval_every must be at least 1")
  run <- task_train_begin(replace(config, "first", "0"), inputs, list())$state
  iters <- ncol(run[[paste0("train_", variant_of(config))]]$batches)
  chunks <- list()
  for (first in seq(0, iters - 1, by = eval_every)) {
    steps <- min(eval_every, iters - first)
    answer <- task_train_steps(replace(config, c("first", "steps", "evaluate"), c(first, steps, "1")), inputs, run)
    chunks[[length(chunks) + 1]] <- answer$results
    run <- answer$state
    cat(sprintf("progress %d %d\n", first + steps, iters))
    flush(stdout())
  }
  joined <- sapply(c("loss", "step_times", "train_acc", "test_acc"),
                   function(name) unlist(lapply(chunks, `[[`, name)), simplify = FALSE)
  done(c(joined, task_train_end(config, inputs, run)$results), state)
}

# ---- worker tasks: state kept between requests (docs/interchange.md, "Workers") ----------------------------

# Holds the network, the data and the batch sequence for the train_steps requests that follow, one run per
# variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run.
task_train_begin <- function(config, inputs, state) {
  params <- read_params(inputs)
  data <- load_training(inputs, params)
  first <- if ("first" %in% names(config)) setting(config, "first", "integer") else 0
  state[[paste0("train_", variant_of(config))]] <- list2env(c(list(
    net = new_net(variant_of(config), params), params = params, done = first, lr = setting(config, "lr", "number")),
    data))
  done(list(), state)
}

# The training run of the request's variant that train_begin holds.
held_run <- function(state, config, task) {
  s <- state[[paste0("train_", variant_of(config))]]
  if (is.null(s)) task_error("%s before train_begin (variant %s)", task, variant_of(config))
  s
}

# Steps first .. first+steps-1 of the held training run; the accuracies too when `evaluate` is 1.
task_train_steps <- function(config, inputs, state) {
  s <- held_run(state, config, "train_steps")
  first <- setting(config, "first", "integer")
  steps <- setting(config, "steps", "integer")
  if (first != s$done || steps < 1 || first + steps > ncol(s$batches)) {
    task_error("steps %d..%d do not follow the %d done (of %d)", first, first + steps - 1, s$done, ncol(s$batches))
  }
  chunk <- train_steps(s$net, s$x_train, s$t_train, s$batches[, first + seq_len(steps), drop = FALSE], s$lr)
  s$done <- s$done + steps
  out <- list(loss = chunk$losses, step_times = chunk$step_times, gc_times = chunk$gc_times)
  if (flag(config, "evaluate")) {
    out$train_acc <- scalar(accuracy(s$net, s$x_train, s$t_train))
    out$test_acc <- scalar(accuracy(s$net, s$x_test, s$t_test))
  }
  done(out, state)
}

# `steps` steps on a copy of the held network, on the run's batches from its first on (from the first
# again past the last), each timed; the held run does not advance. A fresh process's first steps, run
# before its share of the run (docs/measurement.md).
task_train_warmup <- function(config, inputs, state) {
  s <- held_run(state, config, "train_warmup")
  steps <- setting(config, "steps", "integer")
  if (steps < 1) task_error("steps must be at least 1")
  copy <- new_net(variant_of(config), new_params(param_values(s$params)))
  warm <- (seq_len(steps) - 1) %% ncol(s$batches) + 1
  done(list(step_times = train_steps(copy, s$x_train, s$t_train, s$batches[, warm, drop = FALSE], s$lr)$step_times),
       state)
}

MEMORY_STEPS <- 5 # steps measured by step_alloc_bytes at the end of a held run (after one to warm up)

# The trained parameters, and step_alloc_bytes of MEMORY_STEPS steps run on a copy of the network (the bytes a step
# allocates; untimed); the held training run is dropped.
task_train_end <- function(config, inputs, state) {
  s <- held_run(state, config, "train_end")
  state[[paste0("train_", variant_of(config))]] <- NULL
  params <- param_values(s$params)
  copy <- new_net(variant_of(config), new_params(params))
  measured <- seq_len(min(MEMORY_STEPS + 1, ncol(s$batches)))
  allocated <- step_alloc_bytes(copy, s$x_train, s$t_train, s$batches[, measured, drop = FALSE], s$lr)
  done(c(params, list(step_alloc_bytes = allocated)), state)
}

# One training step timed alone: in a fresh process, the first call (with R's compilation of the functions to
# byte code, which its JIT does at their first calls).
task_first_step <- function(config, inputs, state) {
  lr <- setting(config, "lr", "number")
  params <- read_params(inputs)
  b <- batch(inputs, params)
  net <- new_net(variant_of(config), params)
  start <- Sys.time()
  step(net, b$x, b$t, lr)
  first <- as.double(Sys.time()) - as.double(start)
  done(c(list(first_step = scalar(first)), param_values(params)), state)
}

# Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
# follow.
task_bench_begin <- function(config, inputs, state) {
  params <- read_params(inputs)
  b <- batch(inputs, params)
  state$bench[[setting(config, "case_id")]] <- list(params = param_values(params), variant = variant_of(config),
                                                    x = b$x, t = b$t, lr = setting(config, "lr", "number"))
  done(list(), state)
}

# One round of the held case `case_id`: from its parameters, in its variant, `warmup` untimed steps then `inner`
# timed steps (step_time, per step); then the step's six matrix products alone (time_products); each with the
# collector's part (gc_time, blas_gc_time). With `verify` 1, also what they computed: the parameters after
# warmup + inner steps, and the six products.
task_bench_round <- function(config, inputs, state) {
  case <- setting(config, "case_id")
  s <- state$bench[[case]]
  if (is.null(s)) task_error("bench_round before bench_begin for case '%s'", case)
  warmup <- setting(config, "warmup", "integer")
  inner <- setting(config, "inner", "integer")
  if (warmup < 0 || inner < 1) task_error("warmup must be at least 0 and inner at least 1")
  params <- new_params(s$params)
  net <- new_net(s$variant, params)
  steps <- time_steps(net, s$x, s$t, s$lr, warmup, inner)
  floor <- time_products(s$params$W1, s$params$W2, s$x, warmup, inner)
  out <- list(step_time = scalar(steps$time), gc_time = scalar(steps$gc), blas_time = scalar(floor$time),
              blas_gc_time = scalar(floor$gc))
  if (flag(config, "verify")) out <- c(out, param_values(params), floor$products)
  done(out, state)
}

TASKS <- list(noop = task_noop, info = task_info, grad = task_grad, layers = task_layers,
              perceptron = task_perceptron, train = task_train, first_step = task_first_step,
              train_begin = task_train_begin, train_steps = task_train_steps,
              train_warmup = task_train_warmup, train_end = task_train_end,
              bench_begin = task_bench_begin, bench_round = task_bench_round)
