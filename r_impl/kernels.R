# The R port's measurement kernels: what a timed request runs between its clock readings, written once by the rule
# of docs/porting.md ("The measurement kernels"): a full collection and `warmup` untimed repetitions, then `inner`
# timed ones read with the finest clock base R has (Sys.time, the wall clock), the result per repetition (with the
# collector's share, R counting it); the BLAS floor's six products each into a new result. Part of the dispatcher
# (entry.R, checks.R, tasks.R, kernels.R).

# The seconds R's garbage collector has taken in this process so far (gc.time's elapsed time, on by default; R
# keeps it in whole milliseconds, so it is exact summed over many steps, not for one short step).
gc_seconds <- function() gc.time()[3]

# A full collection, untimed, before a timed block's warm-up (docs/porting.md, "The measurement kernels"): the
# block then starts with the collector's allowance unspent, and holds the fewest collections it can.
full_collection <- function() invisible(gc(verbose = FALSE))

# A full collection, `warmup` untimed steps, then `inner` consecutive timed steps: list(time = seconds per step,
# gc = the collector's part of it).
time_steps <- function(net, x, t, lr, warmup, inner) {
  full_collection()
  for (i in seq_len(warmup)) step(net, x, t, lr)
  gc_start <- gc_seconds()
  start <- Sys.time()
  for (i in seq_len(inner)) step(net, x, t, lr)
  list(time = (as.double(Sys.time()) - as.double(start)) / inner, gc = (gc_seconds() - gc_start) / inner)
}

# The step's six matrix products alone, with the step's shapes, each into a new result as the layered step makes
# them (the same definition in every port, docs/porting.md): forward x.W1, h.W2; backward dy.W2^T, h^T.dy,
# dh.W1^T, x^T.dh (Python's names; here transposed, with crossprod and tcrossprod handing the transposes to
# BLAS). Returns list(time = seconds per set of six, gc = the collector's part of it, products = the six, named
# as Python's).
time_products <- function(W1, W2, x, warmup, inner) {
  h <- W1 %*% x
  dy <- W2 %*% h
  dh <- crossprod(W2, dy)
  products <- function() list(p_xW1 = W1 %*% x, p_hW2 = W2 %*% h, p_dyW2t = crossprod(W2, dy),
                              p_htdy = tcrossprod(dy, h), p_dhW1t = crossprod(W1, dh), p_xtdh = tcrossprod(dh, x))
  full_collection()
  for (i in seq_len(warmup)) products()
  gc_start <- gc_seconds()
  start <- Sys.time()
  for (i in seq_len(inner)) products()
  time <- (as.double(Sys.time()) - as.double(start)) / inner
  list(time = time, gc = (gc_seconds() - gc_start) / inner, products = products())
}

# A whole run (the perceptron's training, `run()`) timed once, the first call, then `repeats` times more:
# list(result = the last run's, first = the first time, times = the repeats' times), in seconds.
time_runs <- function(run, repeats) {
  times <- numeric(repeats)
  start <- Sys.time()
  result <- run()
  first <- as.double(Sys.time()) - as.double(start)
  for (r in seq_len(repeats)) {
    start <- Sys.time()
    result <- run()
    times[r] <- as.double(Sys.time()) - as.double(start)
  }
  list(result = result, first = first, times = times)
}
