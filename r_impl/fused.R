# The `fused` variant (docs/porting.md): the two-layer net's training step and the perceptron's training loop
# written as a fluent R user writes fast code, with the same maths as the layered port (layers.R,
# two_layer_net.R, perceptron.R) and results equal to it to rounding.
#
# One sample per column, as everywhere in this port: x is 784 x N, W1 is H x 784, W2 is 10 x H (Python's
# transposes), labels are 1-based. No layer objects: whole-matrix expressions, crossprod/tcrossprod where they
# save a transpose, the one-hot left implicit (the labels index the scores), the softmax's exp serving both the
# loss and dy, sums as products with a vector of ones (BLAS; rowSums and colSums cost several times more here),
# the ReLU as a product with its mask, kept for the backward pass. R has no in-place arithmetic that a user can
# ask for; it reuses a temporary's memory itself when nothing else refers to it, so the fewest operations is the
# fewest new arrays: no array here is copied behind the code's back (each intermediate is used once, or only
# read).

# The parameters, in the environment a layered net would share (two_layer_net.R's new_params), updated by
# fused_step.
FusedNet <- function(params) {
  net <- environment()
  class(net) <- "FusedNet"
  net
}

# One SGD step on the batch x (D x N) with 1-based labels t (N): forward, backward, then W -= lr.dW for all four
# parameters. Returns the batch loss before the update. The maths (Python's row layout in brackets):
# h = max(W1.x + b1, 0) [x.W1 + b1]; s = W2.h + b2; loss = mean over the samples of
# log sum exp(s - max) - (s[label] - max); dy = (softmax(s) - onehot) / N; dW2 = dy.h^T [h^T.dy]; db2 = sum dy;
# dh = W2^T.dy where h > 0; dW1 = dh.x^T; db1 = sum dh; dx = W1^T.dh. The backward pass carries lr.dy instead
# of dy (docs/porting.md, "The fused variant"), so every gradient comes out multiplied by the learning rate.
fused_step <- function(net, x, t, lr) {
  p <- net$params
  W1 <- p$W1
  W2 <- p$W2
  n <- ncol(x)
  ones <- rep(1, n)

  # forward: h = relu(W1.x + b1), s = W2.h + b2
  h <- W1 %*% x + p$b1
  active <- h > 0            # where the pre-activation is > 0: the ReLU and its gradient
  h <- h * active
  s <- W2 %*% h + p$b2

  # softmax with the exact log-sum-exp loss, on the transpose of s (one sample per row, so that a sample's max
  # and sum recycle along its row); then lr.dy = lr (softmax - onehot) / N, transposed back. A sample's entries
  # are found by linear index: row i, column k is entry i + (k - 1) N.
  st <- t(s)
  rows <- seq_len(n)
  label <- rows + (t - 1L) * n
  m <- st[rows + (max.col(st, "last") - 1L) * n]  # each row's maximum
  e <- exp(st - m)
  z <- drop(e %*% rep(1, ncol(e)))       # each row's sum
  L <- sum(log(z) - (st[label] - m)) / n
  dyt <- e / (z * (n / lr))               # lr softmax / N, then minus lr onehot / N
  dyt[label] <- dyt[label] - lr / n
  dy <- t(dyt)                            # lr.dy

  # backward, from lr.dy: each gradient below is lr times the book's
  dh <- crossprod(W2, dy) * active        # lr.dh = W2^T.(lr.dy) where the pre-activation is > 0
  db2 <- drop(dy %*% ones)                # the sums over the samples, as products with ones
  db1 <- drop(dh %*% ones)
  # The first layer's dx = W1^T.dh, dropped: computed so that the step does the layered step's work (its Affine
  # returns it). Skipping it would save about a third of the step's FLOPs.
  dx <- crossprod(W1, dh)

  # the update, each weight gradient formed inside it (none reads an updated parameter): W1 - lr.dW1 with
  # lr.dW1 = (lr.dh).x^T (Python: x^T.dh) and lr.dW2 = (lr.dy).h^T (h^T.dy), each a temporary whose memory R
  # reuses for the difference (no second array the size of W1)
  p$W1 <- W1 - tcrossprod(dh, x)
  p$b1 <- p$b1 - db1
  p$W2 <- W2 - tcrossprod(dy, h)
  p$b2 <- p$b2 - db2
  L
}

# perceptron$train's results (perceptron.R) with its epochs written inline: whole-vector expressions in one
# loop, no forward/backward calls. X is n x N (one sample per column); its transpose is made once, so that Z is
# one product, Xt %*% W (measured: R's products of these 2 x 4 matrices cost less than colSums and rowSums,
# which check their arguments in R code before they add, and four times less than the layered epoch's calls).
fused_perceptron_train <- function(W, b, X, Y, epochs, lr) {
  targets <- Y > 0.5
  Xt <- t(X)
  losses <- numeric(epochs)
  solved <- -1
  for (epoch in seq_len(epochs)) {
    A <- 1 / (1 + exp(-(drop(Xt %*% W) + b)))
    if (solved < 0 && all((A > 0.5) == targets)) solved <- epoch - 1
    E <- A - Y
    losses[epoch] <- 0.5 * sum(E * E)
    dZ <- E * A * (1 - A)  # (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)), computed once for dW and db
    W <- W - lr * drop(X %*% dZ)
    b <- b - lr * sum(dZ)
  }
  if (solved < 0 && all((1 / (1 + exp(-(drop(Xt %*% W) + b))) > 0.5) == targets)) solved <- epochs
  list(W = W, b = b, losses = losses, solved_epoch = solved)
}
