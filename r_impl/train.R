# Plain SGD over a given mini-batch index sequence, so that every language replays the same one
# (python_impl/train.py): the step, the one training driver (train_steps: a chunk of steps, each timed) and the
# accuracy. A whole run is made of chunks by the tasks (tasks.R: train_begin, train_steps, train_end), for a
# one-shot request as for a worker; and the bytes a step allocates (step_alloc_bytes, untimed). A network is a
# TwoLayerNet (two_layer_net.R) or a FusedNet (fused.R).

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

# One step on each column of `batches` (1-based sample indices, one batch per column): list(losses, step_times,
# gc_times), each step's batch loss, its time (gradient + update, by the wall clock Sys.time; the gather is not
# timed) and the part of it R's garbage collector took (kernels.R's gc_seconds).
train_steps <- function(net, x_train, t_train, batches, lr) {
  n <- ncol(batches)
  losses <- numeric(n)
  step_times <- numeric(n)
  gc_times <- numeric(n)
  for (i in seq_len(n)) {
    idx <- batches[, i]
    x_batch <- x_train[, idx, drop = FALSE]
    t_batch <- t_train[idx]
    gc_start <- gc_seconds()
    start <- Sys.time()
    losses[i] <- step(net, x_batch, t_batch, lr)
    step_times[i] <- as.double(Sys.time()) - as.double(start)
    gc_times[i] <- gc_seconds() - gc_start
  }
  list(losses = losses, step_times = step_times, gc_times = gc_times)
}

# For a step on each column of `batches` but the first (which warms up, unmeasured): the bytes of the vectors it
# allocates, as R's memory profiler logs them (Rprofmem, threshold 0: each vector over 128 bytes; the small ones
# come from pages R holds, logged as "new page" lines, which a steady step does not take). Never timed (the
# profiler writes a line per allocation); the caller runs it on a copy of the network, so that the training run is
# not changed.
step_alloc_bytes <- function(net, x_train, t_train, batches, lr) {
  if (ncol(batches) < 2) return(numeric(0))
  log <- tempfile("rprofmem")
  on.exit({
    Rprofmem(NULL)
    unlink(log)
  })
  step(net, x_train[, batches[, 1], drop = FALSE], t_train[batches[, 1]], lr)
  vapply(seq_len(ncol(batches))[-1], function(i) {
    x_batch <- x_train[, batches[, i], drop = FALSE]
    t_batch <- t_train[batches[, i]]
    Rprofmem(log, threshold = 0)
    step(net, x_batch, t_batch, lr)
    Rprofmem(NULL)
    sizes <- suppressWarnings(as.numeric(sub(" *:.*", "", readLines(log))))
    sum(sizes, na.rm = TRUE)
  }, numeric(1))
}
