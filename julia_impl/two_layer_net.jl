# The two-layer net of "Deep Learning from Scratch", chapter 5 (python_impl/two_layer_net.py):
# Affine -> Relu -> Affine -> SoftmaxWithLoss, one sample per column.

const PARAM_NAMES = ("W1", "b1", "W2", "b2")

"The parameters, named as in Python; W1 is H×784 and W2 is 10×H (the transposes of Python's)."
const Params = NamedTuple{(:W1, :b1, :W2, :b2), Tuple{Matrix{Float64}, Vector{Float64}, Matrix{Float64}, Vector{Float64}}}

"The layers, named and ordered as in the book (an ordered dict there, a NamedTuple here)."
const Layers = NamedTuple{(:Affine1, :Relu1, :Affine2), Tuple{Affine, Relu, Affine}}

"""The network's layers, found by name (Affine1, Relu1, Affine2), and SoftmaxWithLoss as its last layer. The
parameters are shared with the layers, not copied, so an in-place update of `net.params` is an update of the
layers' weights."""
struct TwoLayerNet
    params::Params
    layers::Layers
    last_layer::SoftmaxWithLoss
end

function TwoLayerNet(params::Params)
    layers = (Affine1=Affine(params.W1, params.b1), Relu1=Relu(), Affine2=Affine(params.W2, params.b2))
    return TwoLayerNet(params, layers, SoftmaxWithLoss())
end

function predict(net::TwoLayerNet, x::Matrix{Float64})
    for layer in net.layers   # in order: Affine1, Relu1, Affine2
        x = forward(layer, x)
    end
    return x
end

loss(net::TwoLayerNet, x::Matrix{Float64}, t::AbstractVecOrMat) = forward(net.last_layer, predict(net, x), t)

"Share of the samples whose highest score (the first, on ties) is the label; t: 1-based labels or one-hot."
function accuracy(net::TwoLayerNet, x::Matrix{Float64}, t::AbstractVecOrMat)
    scores = predict(net, x)
    hits = 0
    @inbounds for j in axes(scores, 2)
        hits += argmax(view(scores, :, j)) == label(t, j)
    end
    return hits / size(x, 2)
end
label(t::AbstractVector{<:Integer}, j::Integer) = t[j]
label(t::AbstractMatrix, j::Integer) = argmax(view(t, :, j))

"Backprop: returns (loss, gradients named as the parameters). The gradients are the layers' own buffers."
function gradient(net::TwoLayerNet, x::Matrix{Float64}, t::AbstractVecOrMat)
    L = loss(net, x, t)
    dout = backward(net.last_layer, 1.0)
    for layer in reverse(values(net.layers))
        dout = backward(layer, dout)
    end
    affine1, affine2 = net.layers.Affine1, net.layers.Affine2
    return L, (W1=affine1.dW, b1=affine1.db, W2=affine2.dW, b2=affine2.db)
end

"Central differences of the loss with respect to every parameter."
function numerical_gradient(net::TwoLayerNet, x::Matrix{Float64}, t::AbstractVecOrMat)
    f = () -> loss(net, x, t)
    return map(p -> numerical_gradient(f, p), net.params)
end
