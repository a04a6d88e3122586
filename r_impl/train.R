# Plain SGD over a given mini-batch index sequence, so that every language replays the same one
# (python_impl/train.py). A network is a TwoLayerNet (two_layer_net.R) or a FusedNet (fused.R).

# One training step of the layered net: backprop, then params -= lr * grad for W1, b1, W2, b2 (after the whole
# gradient). Returns the batch loss before the update.
sgd_step <- function(net, x, t, lr) {
  g <- net$gradient(x, t)
  for (name in PARAM_NAMES) net$params[[name]] <- net$params[[name]] - lr * g$grads[[name]]
  g$L
}

# One training step of either variant; returns the batch loss before the update.
step <- function(net, x, t, lr) if (inherits(net, "FusedNet")) fused_step(net, x, t, lr) else sgd_step(net, x, t, lr)

# Either variant's accuracy, by the layered net's predict on the same parameters (not timed).
accuracy <- function(net, x, t) {
  layered <- if (inherits(net, "FusedNet")) TwoLayerNet(net$params) else net
  layered$accuracy(x, t)
}

# One step on each column of `batches` (1-based sample indices, one batch per column): list(losses, step_times),
# each step's batch loss and its time (gradient + update, by the wall clock Sys.time; the gather is not timed).
train_steps <- function(net, x_train, t_train, batches, lr) {
  n <- ncol(batches)
  losses <- numeric(n)
  step_times <- numeric(n)
  for (i in seq_len(n)) {
    idx <- batches[, i]
    x_batch <- x_train[, idx, drop = FALSE]
    t_batch <- t_train[idx]
    start <- Sys.time()
    losses[i] <- step(net, x_batch, t_batch, lr)
    step_times[i] <- as.double(Sys.time()) - as.double(start)
  }
  list(losses = losses, step_times = step_times)
}

# Trains on the samples batches[, i] (1-based column indices; one batch per column) for i = 1 .. iters. Records
# the batch loss and the time of every step (train_steps), and the train/test accuracy after every `eval_every`
# steps and after the last; `progress(i)` is called after each evaluation.
train <- function(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress = NULL) {
  iters <- ncol(batches)
  losses <- step_times <- train_acc <- test_acc <- numeric(0)
  for (first in seq(1, iters, by = eval_every)) {
    last <- min(first + eval_every - 1, iters)
    chunk <- train_steps(net, x_train, t_train, batches[, first:last, drop = FALSE], lr)
    losses <- c(losses, chunk$losses)
    step_times <- c(step_times, chunk$step_times)
    train_acc <- c(train_acc, accuracy(net, x_train, t_train))
    test_acc <- c(test_acc, accuracy(net, x_test, t_test))
    if (!is.null(progress)) progress(last)
  }
  list(loss = losses, step_times = step_times, train_acc = train_acc, test_acc = test_acc)
}
