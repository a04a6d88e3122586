# Layers with forward/backward, as in "Deep Learning from Scratch", chapter 5 (python_impl/layers.py).
#
# Julia is column-major, so this port holds ONE SAMPLE PER COLUMN: every matrix is the transpose of the
# Python reference's (x is D×N, W is M×D), and x·W + b becomes W*x .+ b (docs/interchange.md).
#
# Each layer is a mutable struct with `forward` and `backward` methods (one generic function, dispatched on
# the layer type). A layer keeps what backward needs and makes new arrays for its results, as the reference's
# layers do (docs/porting.md: the layered variant has no performance rewrites). The fused step, with buffers
# made once and no layers, is in fused.jl.

using LinearAlgebra

const EMPTY = Matrix{Float64}(undef, 0, 0)

abstract type Layer end

# ---------------------------------------------------------------------------------------------------------
"out = W*x (Python: x·W)."
mutable struct MatMul <: Layer
    W::Matrix{Float64}
    x::Matrix{Float64}
    dW::Matrix{Float64}
end
MatMul(W::Matrix{Float64}) = MatMul(W, EMPTY, zero(W))

function forward(layer::MatMul, x::Matrix{Float64})
    layer.x = x
    return layer.W * x
end

function backward(layer::MatMul, dout::Matrix{Float64})
    layer.dW = dout * layer.x'         # dW = dout·xᵀ   (Python: xᵀ·dout)
    return layer.W' * dout             # dx = Wᵀ·dout   (Python: dout·Wᵀ)
end

# ---------------------------------------------------------------------------------------------------------
"out = x + y"
struct Add <: Layer end

forward(::Add, x::AbstractArray, y::AbstractArray) = x .+ y
backward(::Add, dout::AbstractArray) = (dout, dout)

# ---------------------------------------------------------------------------------------------------------
"out = x .* y (element-wise)"
mutable struct Mul <: Layer
    x::Matrix{Float64}
    y::Matrix{Float64}
end
Mul() = Mul(EMPTY, EMPTY)

function forward(layer::Mul, x::Matrix{Float64}, y::Matrix{Float64})
    layer.x, layer.y = x, y
    return x .* y
end

backward(layer::Mul, dout::Matrix{Float64}) = (dout .* layer.y, dout .* layer.x)

# ---------------------------------------------------------------------------------------------------------
"out = max(x, 0); the gradient at exactly 0 is 0 (the book masks x <= 0)."
mutable struct Relu <: Layer
    mask::BitMatrix
end
Relu() = Relu(falses(0, 0))

function forward(layer::Relu, x::Matrix{Float64})
    layer.mask = x .<= 0
    out = copy(x)
    out[layer.mask] .= 0.0
    return out
end

function backward(layer::Relu, dout::Matrix{Float64})
    dx = copy(dout)
    dx[layer.mask] .= 0.0
    return dx
end

# ---------------------------------------------------------------------------------------------------------
sigmoid(x::Real) = 1.0 / (1.0 + exp(-x))

"out = 1 / (1 + exp(-x)); backward uses the saved output: dout * out * (1 - out)."
mutable struct Sigmoid <: Layer
    out::Matrix{Float64}
end
Sigmoid() = Sigmoid(EMPTY)

function forward(layer::Sigmoid, x::Matrix{Float64})
    layer.out = sigmoid.(x)
    return layer.out
end

backward(layer::Sigmoid, dout::Matrix{Float64}) = dout .* layer.out .* (1.0 .- layer.out)

# ---------------------------------------------------------------------------------------------------------
"""out = W*x .+ b (Python: x·W + b); backward: dx = Wᵀ·dout, dW = dout·xᵀ, db = the sum of dout over the
samples (columns). W and b are the network's own arrays (shared, not copied)."""
mutable struct Affine <: Layer
    W::Matrix{Float64}     # M×D
    b::Vector{Float64}     # M
    x::Matrix{Float64}     # D×N, the last input (not copied)
    dW::Matrix{Float64}    # M×D
    db::Vector{Float64}    # M
end
Affine(W::Matrix{Float64}, b::Vector{Float64}) = Affine(W, b, EMPTY, zero(W), zero(b))

function forward(layer::Affine, x::Matrix{Float64})
    layer.x = x
    return layer.W * x .+ layer.b
end

function backward(layer::Affine, dout::Matrix{Float64})
    dx = layer.W' * dout                # dx = Wᵀ·dout  (Python: dout·Wᵀ)
    layer.dW = dout * layer.x'          # dW = dout·xᵀ  (Python: xᵀ·dout)
    layer.db = vec(sum(dout, dims=2))   # db = Σ over the samples
    return dx
end

# ---------------------------------------------------------------------------------------------------------
"Column-wise softmax (one sample per column), shifted by each column's maximum for stability."
function softmax(x::AbstractMatrix{Float64})
    e = exp.(x .- maximum(x, dims=1))
    return e ./ sum(e, dims=1)
end

"Column-wise log-softmax by log-sum-exp: exact and stable (no +1e-7 inside a log)."
function log_softmax(x::AbstractMatrix{Float64})
    shifted = x .- maximum(x, dims=1)
    return shifted .- log.(sum(exp.(shifted), dims=1))
end

"Integer labels (N, 1-based) to a one-hot float64 matrix (classes×N); one-hot input is returned as it is."
function one_hot(t::AbstractVector{<:Integer}, classes::Integer)
    out = zeros(classes, length(t))
    for (j, label) in enumerate(t)   # bounds-checked: a label outside 1:classes is an error
        out[label, j] = 1.0
    end
    return out
end
one_hot(t::AbstractMatrix{Float64}, classes::Integer) = t

"""Softmax followed by the mean cross-entropy over the batch.

Accepts one-hot targets (C×N) or integer labels (N, 1-based). Backward is (y - t) / N."""
mutable struct SoftmaxWithLoss <: Layer
    y::Matrix{Float64}
    t::Matrix{Float64}
    loss::Float64
end
SoftmaxWithLoss() = SoftmaxWithLoss(EMPTY, EMPTY, NaN)

function forward(layer::SoftmaxWithLoss, x::Matrix{Float64}, t::AbstractVecOrMat)
    layer.t = one_hot(t, size(x, 1))
    layer.y = softmax(x)
    layer.loss = -sum(layer.t .* log_softmax(x)) / size(x, 2)
    return layer.loss
end

backward(layer::SoftmaxWithLoss, dout::Real=1.0) = dout .* (layer.y .- layer.t) ./ size(layer.t, 2)
