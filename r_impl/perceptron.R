# The single perceptron (python_impl/perceptron.py): Z = X^T.W + b, A = sigmoid(Z), E = 1/2 sum (A - Y)^2.
#
# One sample per column, as everywhere in this port: X is n x N (Python's N x n transposed); W, Z, A, Y are
# vectors. The chain-rule factor dZ = (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)) is computed once and shared by
# both gradients: dW = X.dZ (Python: dZ^T.X), db = sum(dZ).
#
# The functions live in the list `perceptron` (perceptron$forward, perceptron$train, ...), as Python's live in
# the module `perceptron`: they are not the layers' forward nor the network's loss.
# (The harness makes the gate inputs, python_impl/perceptron.py's GATES and GATE_INPUTS, and hands them over.)

perceptron <- local({
  # list(Z, A) for inputs X (n x N), weights W (n), bias b.
  forward <- function(W, b, X) {
    Z <- drop(crossprod(X, W)) + b
    list(Z = Z, A = sigmoid(Z))
  }

  # E = 1/2 sum (A - Y)^2
  loss <- function(W, b, X, Y) 0.5 * sum((forward(W, b, X)$A - Y)^2)

  # list(dW, db) from the forward output A; the shared factor dZ is computed once.
  backward <- function(A, X, Y) {
    dZ <- (A - Y) * A * (1 - A)  # (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)), with sigmoid(Z) = A
    list(dW = drop(X %*% dZ), db = sum(dZ))  # dW = X.dZ (one output unit), db = sum(dZ)
  }

  # list(E, dW, db)
  gradient <- function(W, b, X, Y) {
    A <- forward(W, b, X)$A
    E <- 0.5 * sum((A - Y)^2)
    g <- backward(A, X, Y)
    list(E = E, dW = g$dW, db = g$db)
  }

  predict <- function(W, b, X) as.double(forward(W, b, X)$A > 0.5)

  # Full-batch gradient descent for `epochs` epochs from W and b: list(W, b, losses, solved_epoch). losses[e] is
  # E before update e, and solved_epoch is the number of updates after which all inputs are first classified
  # correctly (-1 if never). (The fused loop, without forward/backward, is fused.R's fused_perceptron_train.)
  train <- function(W, b, X, Y, epochs, lr) {
    losses <- numeric(epochs)
    solved <- -1
    for (epoch in seq_len(epochs)) {
      A <- forward(W, b, X)$A
      if (solved < 0 && all((A > 0.5) == (Y > 0.5))) solved <- epoch - 1
      losses[epoch] <- 0.5 * sum((A - Y)^2)
      g <- backward(A, X, Y)
      W <- W - lr * g$dW
      b <- b - lr * g$db
    }
    if (solved < 0 && all(predict(W, b, X) == (Y > 0.5))) solved <- epochs
    list(W = W, b = b, losses = losses, solved_epoch = solved)
  }

  environment()
})
