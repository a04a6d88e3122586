# Central-difference numerical gradient (h = 1e-4, as in the book): python_impl/gradient.py.

"""
    numerical_gradient(f, x; h=1e-4)

Gradient of `f()` with respect to the array `x`, which `f` reads and which is perturbed in place: each element
is set to x+h and x-h in turn and restored afterwards, grad = (f(x+h) - f(x-h)) / 2h.
"""
function numerical_gradient(f, x::AbstractArray{Float64}; h::Float64=1e-4)
    grad = zero(x)
    for i in eachindex(x)
        keep = x[i]
        x[i] = keep + h
        f_plus = f()
        x[i] = keep - h
        f_minus = f()
        x[i] = keep
        grad[i] = (f_plus - f_minus) / (2 * h)
    end
    return grad
end
