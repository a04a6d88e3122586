# Central-difference numerical gradient (h = 1e-4, as in the book): python_impl/gradient.py.

# The gradient of f() with respect to the array env[[name]], which f reads and which is perturbed in place:
# each element is set to x+h and x-h in turn and restored afterwards, grad = (f(x+h) - f(x-h)) / 2h.
# (R's arrays are values; the array lives in an environment, R's mutable reference, so that f sees each
# perturbation without a copy of the whole array per element.)
numerical_gradient <- function(f, env, name, h = 1e-4) {
  grad <- env[[name]]
  grad[] <- 0
  for (i in seq_along(grad)) {
    keep <- env[[name]][i]
    env[[name]][i] <- keep + h
    f_plus <- f()
    env[[name]][i] <- keep - h
    f_minus <- f()
    env[[name]][i] <- keep
    grad[i] <- (f_plus - f_minus) / (2 * h)
  }
  grad
}
