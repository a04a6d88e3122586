# The two-layer net of "Deep Learning from Scratch", chapter 5 (python_impl/two_layer_net.py):
# Affine -> Relu -> Affine -> SoftmaxWithLoss, one sample per column.

PARAM_NAMES <- c("W1", "b1", "W2", "b2")

# The network's layers, found by name (an ordered list: Affine1, Relu1, Affine2), and SoftmaxWithLoss as its
# last layer. `params` is an environment holding W1 (H x 784), b1 (H), W2 (10 x H), b2 (10), the transposes of
# Python's: the network and its Affine layers share it, so an update of net$params is an update of the layers'
# weights. Like the layers, the network is an environment with its methods inside.
TwoLayerNet <- function(params) {
  differences <- numerical_gradient  # gradient.R's function, which this network's method of the same name hides
  layers <- list(Affine1 = Affine(params, "W1", "b1"), Relu1 = Relu(), Affine2 = Affine(params, "W2", "b2"))
  last_layer <- SoftmaxWithLoss()

  predict <- function(x) {
    for (layer in layers) x <- layer$forward(x)  # in order: Affine1, Relu1, Affine2
    x
  }

  loss <- function(x, t) last_layer$forward(predict(x), t)

  # The share of the samples whose highest score (the first, on ties) is the label; t: 1-based labels or one-hot.
  accuracy <- function(x, t) {
    y <- max.col(t(predict(x)), ties.method = "first")
    labels <- if (is.matrix(t)) max.col(t(t), ties.method = "first") else t
    sum(y == labels) / ncol(x)
  }

  # Backprop: list(L = the loss, grads = the gradients named as the parameters).
  gradient <- function(x, t) {
    L <- loss(x, t)
    dout <- last_layer$backward(1)
    for (layer in rev(layers)) dout <- layer$backward(dout)
    list(L = L, grads = list(W1 = layers$Affine1$dW, b1 = layers$Affine1$db,
                             W2 = layers$Affine2$dW, b2 = layers$Affine2$db))
  }

  # Central differences of the loss with respect to every parameter.
  numerical_gradient <- function(x, t) {
    f <- function() loss(x, t)
    sapply(PARAM_NAMES, function(name) differences(f, params, name), simplify = FALSE)
  }

  environment()
}

# The parameters (a named list, as the inputs give them) as the environment a network shares with its layers:
# each array copied, as the reference copies what it is given.
new_params <- function(arrays) list2env(arrays[PARAM_NAMES], parent = emptyenv())

# The parameters' current values, as a named list (for the results).
param_values <- function(params) mget(PARAM_NAMES, envir = params)
