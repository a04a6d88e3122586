# The R port's checked inputs: every array and setting a task reads, checked once, with messages that name the
# array and what was expected (as every port's checks do), and converted to the layout the port computes in; the
# layers and the network then trust them. Part of the dispatcher (entry.R, checks.R, tasks.R, kernels.R: the same
# four files in every port, docs/porting.md).

VARIANTS <- c("layers", "fused")  # the book's layers, and the same step written as fast, clear code

# A task that cannot run on what it was given: the message says which input or setting, and why.
task_error <- function(...) {
  stop(structure(class = c("task_error", "error", "condition"), list(message = sprintf(...), call = NULL)))
}

KINDS <- c(f = "float64", i = "int64", u = "uint8")

described <- function(entry) {
  sprintf("a %d-d %s array of shape (%s)", length(entry$shape), entry$dtype, paste(entry$shape, collapse = ", "))
}

# The input `name`, which must have `ndim` dimensions and one of the dtype kinds `kinds` (f: float64, i: int64,
# u: uint8), in this port's layout.
require_input <- function(inputs, name, ndim, kinds = "f") {
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
variant_of <- function(config) {
  name <- if ("variant" %in% names(config)) config[["variant"]] else "layers"
  if (!(name %in% VARIANTS)) task_error("unknown variant '%s' (expected layers or fused)", name)
  name
}

# The network's parameters W1 (H x D), b1 (H), W2 (C x H), b2 (C) as the environment a network shares with its
# layers (two_layer_net.R), with their shapes checked.
read_params <- function(inputs) {
  arrays <- sapply(PARAM_NAMES, function(name) require_input(inputs, name, if (startsWith(name, "W")) 2 else 1),
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
labels_of <- function(inputs, name, classes, samples, one_hot = FALSE) {
  entry <- attr(inputs, "manifest")[[name]]
  if (one_hot && !is.null(entry) && length(entry$shape) == 2) {
    t <- require_input(inputs, name, 2)
    if (!identical(dim(t), as.integer(c(classes, samples)))) {
      task_error("one-hot targets '%s' must be %d x %d, got %s", name, samples, classes, described(entry))
    }
    return(t)
  }
  t <- require_input(inputs, name, 1, "iu")
  if (length(t) != samples) task_error("%d labels in '%s' for %d samples", length(t), name, samples)
  if (length(t) > 0 && (anyNA(t) || min(t) < 0 || max(t) >= classes)) {
    task_error("labels in '%s' must be 0..%d, found %s..%s", name, classes - 1, min(t), max(t))
  }
  t + 1L
}

# The samples `name` (D x N, one per column), D being what W1 expects.
samples <- function(inputs, name, params, kinds = "f") {
  x <- require_input(inputs, name, 2, kinds)
  if (nrow(x) != ncol(params$W1)) {
    task_error("%s has %d features per sample, W1 expects %d", name, nrow(x), ncol(params$W1))
  }
  x
}

# The batch x (D x N float64) and its targets t, checked against the parameters.
batch <- function(inputs, params, one_hot = FALSE) {
  x <- samples(inputs, "x", params)
  list(x = x, t = labels_of(inputs, "t", nrow(params$W2), ncol(x), one_hot))
}

# A network of the variant `name` on the parameters (shared, not copied).
new_net <- function(name, params) if (name == "fused") FusedNet(params) else TwoLayerNet(params)

# The training problem as this port holds it, checked: images as doubles in [0, 1], labels and batch rows
# 1-based.
load_training <- function(inputs, params) {
  classes <- nrow(params$W2)
  x_train <- samples(inputs, "x_train", params, "u")
  x_test <- samples(inputs, "x_test", params, "u")
  batches <- require_input(inputs, "batches", 2, "i")
  if (length(batches) > 0 && (min(batches) < 0 || max(batches) >= ncol(x_train))) {
    task_error("batch rows must be 0..%d, found %d..%d", ncol(x_train) - 1, min(batches), max(batches))
  }
  list(x_train = x_train / 255, t_train = labels_of(inputs, "t_train", classes, ncol(x_train)),
       x_test = x_test / 255, t_test = labels_of(inputs, "t_test", classes, ncol(x_test)), batches = batches + 1L)
}
