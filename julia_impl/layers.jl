# Layers with forward/backward, as in "Deep Learning from Scratch", chapter 5 (python_impl/layers.py).
#
# Julia is column-major, so this port holds ONE SAMPLE PER COLUMN: every matrix is the transpose of the
# Python reference's (x is D×N, W is M×D), and x·W + b becomes W*x .+ b (docs/interchange.md).
#
# Each layer is a mutable struct with `forward` and `backward` methods (one generic function, dispatched on
# the layer type). A layer keeps what backward needs and owns the buffers it writes its results into, so a
# training step that repeats with the same batch size allocates nothing: the returned arrays belong to the
# layer and are overwritten by its next call.

using LinearAlgebra

const EMPTY = Matrix{Float64}(undef, 0, 0)

"`buf` if it is an m×n matrix already, else a new one (buffers follow the batch size)."
@inline reuse(buf::Matrix{Float64}, m::Integer, n::Integer) = size(buf) == (m, n) ? buf : Matrix{Float64}(undef, m, n)

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
    mul!(layer.dW, dout, layer.x')     # dW = dout·xᵀ   (Python: xᵀ·dout)
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
    mask::Matrix{Bool}
    out::Matrix{Float64}
    dx::Matrix{Float64}
end
Relu() = Relu(Matrix{Bool}(undef, 0, 0), EMPTY, EMPTY)

function forward(layer::Relu, x::Matrix{Float64})
    size(layer.mask) == size(x) || (layer.mask = Matrix{Bool}(undef, size(x)))
    layer.out = reuse(layer.out, size(x)...)
    layer.mask .= x .<= 0
    layer.out .= ifelse.(layer.mask, 0.0, x)
    return layer.out
end

function backward(layer::Relu, dout::Matrix{Float64})
    layer.dx = reuse(layer.dx, size(dout)...)
    layer.dx .= ifelse.(layer.mask, 0.0, dout)
    return layer.dx
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
    out::Matrix{Float64}   # M×N
    dx::Matrix{Float64}    # D×N
    dW::Matrix{Float64}    # M×D
    db::Vector{Float64}    # M
end
Affine(W::Matrix{Float64}, b::Vector{Float64}) = Affine(W, b, EMPTY, EMPTY, EMPTY, zero(W), zero(b))

function forward(layer::Affine, x::Matrix{Float64})
    layer.x = x
    layer.out = reuse(layer.out, size(layer.W, 1), size(x, 2))
    mul!(layer.out, layer.W, x)
    layer.out .+= layer.b
    return layer.out
end

function backward(layer::Affine, dout::Matrix{Float64})
    layer.dx = reuse(layer.dx, size(layer.W, 2), size(dout, 2))
    mul!(layer.dx, layer.W', dout)      # dx = Wᵀ·dout  (Python: dout·Wᵀ)
    mul!(layer.dW, dout, layer.x')      # dW = dout·xᵀ  (Python: xᵀ·dout)
    sum!(layer.db, dout)                # db = Σ over the samples
    return layer.dx
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

"""Targets as a one-hot C×N matrix, written into `buf`: integer labels (1-based, one per sample) are
expanded; a one-hot matrix is copied as it is."""
function one_hot!(buf::Matrix{Float64}, t::AbstractVector{<:Integer}, classes::Integer)
    buf = reuse(buf, classes, length(t))
    fill!(buf, 0.0)
    for (j, label) in enumerate(t)   # bounds-checked: a label outside 1:classes is an error
        buf[label, j] = 1.0
    end
    return buf
end
function one_hot!(buf::Matrix{Float64}, t::AbstractMatrix{Float64}, classes::Integer)
    size(t, 1) == classes || throw(DimensionMismatch("one-hot targets have $(size(t, 1)) classes, scores $classes"))
    buf = reuse(buf, size(t)...)
    return copyto!(buf, t)
end
one_hot(t, classes::Integer) = one_hot!(EMPTY, t, classes)

"""Softmax followed by the mean cross-entropy over the batch.

Accepts one-hot targets (C×N) or integer labels (N, 1-based). Backward is (y - t) / N. The forward pass
computes the softmax and the exact log-sum-exp cross-entropy in one sweep over each column, the same
arithmetic as `softmax` and `log_softmax` above."""
mutable struct SoftmaxWithLoss <: Layer
    y::Matrix{Float64}
    t::Matrix{Float64}
    dx::Matrix{Float64}
    loss::Float64
end
SoftmaxWithLoss() = SoftmaxWithLoss(EMPTY, EMPTY, EMPTY, NaN)

function forward(layer::SoftmaxWithLoss, x::Matrix{Float64}, t::AbstractVecOrMat)
    classes, n = size(x)
    size(t, ndims(t)) == n || throw(DimensionMismatch("$(size(t, ndims(t))) targets for $n samples"))
    layer.t = one_hot!(layer.t, t, classes)
    y = layer.y = reuse(layer.y, classes, n)
    T = layer.t
    total = 0.0
    @inbounds for j in 1:n
        m = -Inf
        for i in 1:classes
            m = max(m, x[i, j])
        end
        s = 0.0
        for i in 1:classes
            e = exp(x[i, j] - m)
            y[i, j] = e
            s += e
        end
        logs = log(s)
        for i in 1:classes
            y[i, j] /= s
            total += T[i, j] * ((x[i, j] - m) - logs)   # t · log_softmax(x)
        end
    end
    layer.loss = -total / n
    return layer.loss
end

function backward(layer::SoftmaxWithLoss, dout::Real=1.0)
    n = size(layer.t, 2)
    layer.dx = reuse(layer.dx, size(layer.y)...)
    layer.dx .= dout .* (layer.y .- layer.t) ./ n
    return layer.dx
end
