# The single perceptron (python_impl/perceptron.py): Z = Xᵀ·W + b, A = sigmoid(Z), E = ½ Σ (A - Y)².
#
# One sample per column, as everywhere in this port: X is n×N (Python's N×n transposed); W, Z, A, Y are
# vectors. The chain-rule factor dZ = (A - Y) .* sigmoid(Z) .* (1 - sigmoid(Z)) is computed once and shared by
# both gradients: dW = X·dZ (Python: dZᵀ·X), db = Σ dZ.
#
# A module of its own, as Python's `perceptron` is: Perceptron.forward and Perceptron.loss are not the
# layers' forward and the network's loss.
module Perceptron

using LinearAlgebra
import ..sigmoid

# (The harness makes the gate inputs, python_impl/perceptron.py's GATES and GATE_INPUTS, and hands them over.)

"(Z, A) for inputs X (n×N), weights W (n), bias b."
function forward(W::AbstractVector{Float64}, b::Float64, X::AbstractMatrix{Float64})
    Z = X' * W .+ b
    return Z, sigmoid.(Z)
end

"E = ½ Σ (A - Y)²."
loss(W, b::Float64, X, Y) = 0.5 * sum(abs2, forward(W, b, X)[2] .- Y)

"(dW, db) from the forward output A; the shared factor dZ is computed once."
function backward(A::AbstractVector{Float64}, X::AbstractMatrix{Float64}, Y::AbstractVector{Float64})
    dZ = (A .- Y) .* A .* (1.0 .- A)   # (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)), with sigmoid(Z) = A
    return X * dZ, sum(dZ)            # dW = X·dZ (one output unit), db = Σ dZ
end

"(E, dW, db)"
function gradient(W::AbstractVector{Float64}, b::Float64, X::AbstractMatrix{Float64}, Y::AbstractVector{Float64})
    _, A = forward(W, b, X)
    E = 0.5 * sum(abs2, A .- Y)
    dW, db = backward(A, X, Y)
    return E, dW, db
end

predict(W, b::Float64, X) = Float64.(forward(W, b, X)[2] .> 0.5)

"""
    train(W, b, X, Y, epochs, lr) -> (W, b, losses, solved_epoch)

Full-batch gradient descent for `epochs` epochs, from copies of W and b. losses[e] is E before update e, and
solved_epoch is the number of updates after which all inputs are first classified correctly (-1 if never).
(The fused loop, without forward/backward, is fused.jl's fused_perceptron_train.)
"""
function train(W0::AbstractVector{Float64}, b0::Float64, X::AbstractMatrix{Float64}, Y::AbstractVector{Float64},
               epochs::Integer, lr::Float64)
    W = Vector{Float64}(W0)
    b = b0
    losses = Vector{Float64}(undef, epochs)
    solved = -1
    for epoch in 1:epochs
        Z, A = forward(W, b, X)
        if solved < 0 && all((A .> 0.5) .== (Y .> 0.5))
            solved = epoch - 1
        end
        losses[epoch] = 0.5 * sum(abs2, A .- Y)
        dW, db = backward(A, X, Y)
        W .-= lr .* dW
        b -= lr * db
    end
    if solved < 0 && all(predict(W, b, X) .== (Y .> 0.5))
        solved = epochs
    end
    return W, b, losses, solved
end

end # module Perceptron
