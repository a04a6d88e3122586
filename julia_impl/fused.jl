# The `fused` variant (docs/porting.md): the two-layer net's training step and the perceptron's
# training loop written inline, as a fluent Julia user writes fast code, with the same maths as the layered
# port (layers.jl, two_layer_net.jl, perceptron.jl) and results equal to it to rounding.
#
# One sample per column, as everywhere in this port: x is 784×N, W1 is H×784, W2 is 10×H (Python's
# transposes), labels are 1-based. No layer objects: matrix products into preallocated buffers (mul!), one
# fused broadcast (`.=`) per element-wise stage, the softmax and its loss in one sweep per column, updates in
# place. The step allocates nothing once the buffers for its batch size exist.

"The buffers of one batch size N (H hidden units, C classes, D features)."
struct FusedBuffers
    h::Matrix{Float64}     # H×N: x·W1 + b1, then ReLU'd in place
    s::Matrix{Float64}     # C×N: scores, then softmax, then dy = (softmax - onehot) / N in place
    dh::Matrix{Float64}    # H×N
    dx::Matrix{Float64}    # D×N: the first layer's dx, computed and discarded (see fused_step!)
end
FusedBuffers(D::Int, H::Int, C::Int, N::Int) =
    FusedBuffers(Matrix{Float64}(undef, H, N), Matrix{Float64}(undef, C, N), Matrix{Float64}(undef, H, N),
                 Matrix{Float64}(undef, D, N))

"""The parameters (updated in place), the gradients (one set, made once) and the per-batch-size buffers,
kept by N so that batches of several sizes each reuse their own."""
struct FusedNet
    params::Params
    dW1::Matrix{Float64}
    db1::Vector{Float64}
    dW2::Matrix{Float64}
    db2::Vector{Float64}
    buffers::Dict{Int, FusedBuffers}
end
FusedNet(p::Params) = FusedNet(p, zero(p.W1), zero(p.b1), zero(p.W2), zero(p.b2), Dict{Int, FusedBuffers}())

"The buffers for batch size n, made on the first call with that size."
function buffers!(net::FusedNet, n::Int)
    # (haskey, then index: get! with a closure, or get with a default, allocates a few bytes at every call)
    if !haskey(net.buffers, n)
        W1, W2 = net.params.W1, net.params.W2
        net.buffers[n] = FusedBuffers(size(W1, 2), size(W1, 1), size(W2, 1), n)
    end
    return net.buffers[n]
end

"ReLU as the book's mask: 0 where x <= 0."
@inline relu(v::Float64) = ifelse(v <= 0.0, 0.0, v)

"""
    fused_step!(net, x, t, lr) -> loss

One SGD step on the batch x (D×N) with 1-based labels t (N): forward, backward, then W -= lr·dW for all four
parameters. Returns the batch loss before the update. The maths (Python's row layout in brackets):
h = max(W1·x + b1, 0) [x·W1 + b1]; s = W2·h + b2; loss = mean over the samples of
log Σ exp(s - max) - (s[label] - max); dy = (softmax(s) - onehot) / N; dW2 = dy·hᵀ [hᵀ·dy]; db2 = Σ dy;
dh = W2ᵀ·dy masked where h <= 0 (where the pre-activation is <= 0); dW1 = dh·xᵀ; db1 = Σ dh; dx = W1ᵀ·dh.
The backward pass carries lr·dy instead of dy (docs/porting.md, "The fused variant"), so every gradient comes
out multiplied by the learning rate.
"""
function fused_step!(net::FusedNet, x::Matrix{Float64}, t::AbstractVector{<:Integer}, lr::Float64)
    W1, b1, W2, b2 = net.params
    C, n = size(W2, 1), size(x, 2)
    length(t) == n || throw(DimensionMismatch("$(length(t)) labels for $n samples"))
    buf = buffers!(net, n)
    h, s, dh = buf.h, buf.s, buf.dh

    # forward: h = relu(W1·x + b1), s = W2·h + b2
    mul!(h, W1, x)
    h .= relu.(h .+ b1)
    mul!(s, W2, h)
    s .+= b2

    # softmax with the exact log-sum-exp loss, then lr·dy = (y - onehot)·lr/N, in one sweep per column (in s)
    scale = lr / n
    total = 0.0
    @inbounds for j in 1:n
        label = t[j]
        1 <= label <= C || throw(BoundsError(s, (label, j)))
        m = -Inf
        for i in 1:C
            m = max(m, s[i, j])
        end
        shifted = s[label, j] - m
        z = 0.0
        for i in 1:C
            e = exp(s[i, j] - m)
            s[i, j] = e
            z += e
        end
        total += log(z) - shifted
        for i in 1:C
            s[i, j] = (s[i, j] / z - (i == label)) * scale
        end
    end
    loss = total / n

    # backward from lr·dy, every gradient (lr times the book's) before any update
    mul!(net.dW2, s, h')                     # dW2 = dy·hᵀ  (Python: hᵀ·dy)
    sum!(net.db2, s)                         # db2 = Σ dy over the samples
    mul!(dh, W2', s)                         # dh = W2ᵀ·dy  (Python: dy·W2ᵀ)
    dh .= ifelse.(h .<= 0.0, 0.0, dh)        # h <= 0 exactly where the pre-activation is <= 0
    mul!(net.dW1, dh, x')                    # dW1 = dh·xᵀ
    sum!(net.db1, dh)                        # db1 = Σ dh
    # The first layer's dx = W1ᵀ·dh, discarded: computed so that the step does the layered step's work (its
    # Affine returns it). Skipping it would save about a third of the step's FLOPs.
    mul!(buf.dx, W1', dh)

    W1 .-= net.dW1
    b1 .-= net.db1
    W2 .-= net.dW2
    b2 .-= net.db2
    return loss
end

# The harness-facing loops of train.jl (train_steps, train) and entry.jl (time_steps) take either net: the
# step and the accuracy are the net's methods. The accuracy is not timed: it is the layered net's, on the
# same parameter arrays.
sgd_step(net::FusedNet, x::Matrix{Float64}, t::AbstractVector{<:Integer}, lr::Float64) = fused_step!(net, x, t, lr)
accuracy(net::FusedNet, x::Matrix{Float64}, t::AbstractVecOrMat) = accuracy(TwoLayerNet(net.params), x, t)

# ---------------------------------------------------------------------------------------------------------
"""
    fused_perceptron_train(W, b, X, Y, epochs, lr) -> (W, b, losses, solved_epoch)

Perceptron.train's results (perceptron.jl), each epoch written inline as one pass over the samples (columns
of X, n×N): z = W·x_j + b, a = sigmoid(z), the loss term (a - y)², dZ_j = (a - y)·a·(1 - a) and its share of
dW = X·dZ and db = Σ dZ, accumulated as it goes; then the update. No forward/backward calls and no BLAS (the
matrices are 2×4: a call costs more than its arithmetic); dW is the one buffer, reused every epoch.
"""
function fused_perceptron_train(W0::AbstractVector{Float64}, b0::Float64, X::AbstractMatrix{Float64},
                                Y::AbstractVector{Float64}, epochs::Integer, lr::Float64)
    features, n = size(X)
    (length(W0) == features && length(Y) == n) ||
        throw(DimensionMismatch("X is $features×$n, W has $(length(W0)) weights, Y $(length(Y)) targets"))
    W = Vector{Float64}(W0)   # a copy
    b = b0
    dW = zeros(features)
    losses = Vector{Float64}(undef, epochs)
    solved = -1
    @inbounds for epoch in 1:epochs
        fill!(dW, 0.0)
        db, E, right = 0.0, 0.0, true
        for j in 1:n
            wx = 0.0
            for i in 1:features
                wx += X[i, j] * W[i]
            end
            a = sigmoid(wx + b)
            right &= (a > 0.5) == (Y[j] > 0.5)
            E += abs2(a - Y[j])
            dz = (a - Y[j]) * a * (1.0 - a)
            for i in 1:features
                dW[i] += X[i, j] * dz
            end
            db += dz
        end
        if solved < 0 && right   # all on the right side of 0.5 before update `epoch`
            solved = epoch - 1
        end
        losses[epoch] = 0.5 * E
        for i in 1:features
            W[i] -= lr * dW[i]
        end
        b -= lr * db
    end
    if solved < 0   # only after the last update, or never
        right = true
        @inbounds for j in 1:n
            wx = 0.0
            for i in 1:features
                wx += X[i, j] * W[i]
            end
            right &= (sigmoid(wx + b) > 0.5) == (Y[j] > 0.5)
        end
        right && (solved = epochs)
    end
    return W, b, losses, solved
end
