# Layers with forward/backward, as in "Deep Learning from Scratch", chapter 5 (python_impl/layers.py).
#
# R is column-major, so this port holds ONE SAMPLE PER COLUMN: every matrix is the transpose of the Python
# reference's (x is D x N, W is M x D), and x.W + b becomes W %*% x + b (docs/interchange.md); crossprod(A, B)
# is t(A) %*% B and tcrossprod(A, B) is A %*% t(B), each without making the transpose.
#
# A layer is an environment: the constructor's own, returned with its fields and its methods inside, so that
# `layer$forward(x)` keeps what backward needs (`<<-` assigns the field) and `layer$dW` reads a gradient, as
# the reference's objects do (docs/porting.md says why environments and not Reference Classes). A layer makes
# new arrays for its results, as the reference's layers do; the fused step is in fused.R.

# out = W %*% x (Python: x.W)
MatMul <- function(W) {
  x <- NULL
  dW <- NULL
  forward <- function(x_in) {
    x <<- x_in
    W %*% x_in
  }
  backward <- function(dout) {
    dW <<- tcrossprod(dout, x)  # dW = dout.x^T   (Python: x^T.dout)
    crossprod(W, dout)          # dx = W^T.dout   (Python: dout.W^T)
  }
  environment()
}

# out = x + y
Add <- function() {
  forward <- function(x, y) x + y
  backward <- function(dout) list(dx = dout, dy = dout)
  environment()
}

# out = x * y (element-wise)
Mul <- function() {
  x <- NULL
  y <- NULL
  forward <- function(x_in, y_in) {
    x <<- x_in
    y <<- y_in
    x_in * y_in
  }
  backward <- function(dout) list(dx = dout * y, dy = dout * x)
  environment()
}

# out = max(x, 0); the gradient at exactly 0 is 0 (the book masks x <= 0). This layer keeps the complement,
# x > 0, and multiplies by it, which R does faster than assigning through a logical index (as Octave's and
# Scilab's Relu do).
Relu <- function() {
  positive <- NULL
  forward <- function(x) {
    positive <<- x > 0
    x * positive
  }
  backward <- function(dout) dout * positive
  environment()
}

sigmoid <- function(x) 1 / (1 + exp(-x))

# out = 1 / (1 + exp(-x)); backward uses the saved output: dout * out * (1 - out).
Sigmoid <- function() {
  out <- NULL
  forward <- function(x) {
    out <<- sigmoid(x)
    out
  }
  backward <- function(dout) dout * out * (1 - out)
  environment()
}

# out = W %*% x + b (Python: x.W + b); backward: dx = W^T.dout, dW = dout.x^T, db = the sum of dout over the
# samples (columns). W and b are read from `params`, the network's environment of parameters, under the names
# `W` and `b` give (R's arrays are values: the environment is what the network and its layers share, as
# Python's layers share the arrays of net.params).
Affine <- function(params, W = "W", b = "b") {
  x <- NULL
  dW <- NULL
  db <- NULL
  forward <- function(x_in) {
    x <<- x_in
    params[[W]] %*% x_in + params[[b]]  # b (M) is recycled down each column: b[i] is added to row i
  }
  backward <- function(dout) {
    dx <- crossprod(params[[W]], dout)  # dx = W^T.dout  (Python: dout.W^T)
    dW <<- tcrossprod(dout, x)          # dW = dout.x^T  (Python: x^T.dout)
    db <<- drop(dout %*% rep(1, ncol(dout)))  # db = the sum over the samples, as a product with ones
    dx
  }
  environment()
}

# The maximum of each column of x (C x N): the entry max.col finds in each column of the transpose.
column_max <- function(x) x[max.col(t(x), "last") + seq.int(0L, by = nrow(x), length.out = ncol(x))]

# Integer labels (N, 1-based) to a one-hot matrix (classes x N); one-hot input (a matrix) is returned as it is.
one_hot <- function(t, classes) {
  if (is.matrix(t)) return(t)
  out <- matrix(0, classes, length(t))
  out[cbind(t, seq_along(t))] <- 1
  out
}

# Softmax followed by the mean cross-entropy over the batch. Accepts one-hot targets (C x N) or integer labels
# (N, 1-based). Forward shifts each column by its maximum for stability and takes the softmax and the exact
# log-softmax (log-sum-exp: no +1e-7 inside a log) from one exp, as Octave's and Scilab's do. Backward is
# (y - t) / N.
SoftmaxWithLoss <- function() {
  y <- NULL
  t <- NULL
  loss <- NULL
  forward <- function(x, t_in) {
    t <<- one_hot(t_in, nrow(x))
    # softmax(x) and log_softmax(x) from one shift and one exp
    shifted <- x - rep(column_max(x), each = nrow(x))
    e <- exp(shifted)
    sums <- colSums(e)
    y <<- e / rep(sums, each = nrow(x))
    loss <<- -sum(t * (shifted - rep(log(sums), each = nrow(x)))) / ncol(x)
    loss
  }
  backward <- function(dout = 1) dout * (y - t) / ncol(t)
  environment()
}
