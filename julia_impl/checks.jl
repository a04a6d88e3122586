# The Julia port's checked inputs: every array and setting a task reads, checked once, with messages that name the
# array and what was expected (as every port's checks do), and converted to the layout the port computes in; the
# layers and the network then trust them. Part of the dispatcher (entry.jl, checks.jl, tasks.jl, kernels.jl: the
# same four files in every port, docs/porting.md).

struct TaskError <: Exception
    msg::String
end
Base.showerror(io::IO, e::TaskError) = print(io, e.msg)

"The input `name`, which must be of type T (e.g. Matrix{Float64}: a 2-d float64 array)."
function require_input(inputs::AbstractDict, name::String, ::Type{T}) where {T}
    haskey(inputs, name) || throw(TaskError("input '$name' is missing"))
    value = inputs[name]
    value isa T && return value
    what(v) = v isa AbstractArray ? "a $(ndims(v))-d $(eltype(v)) array" : "a $(typeof(v)) scalar"
    throw(TaskError("input '$name' must be $(describe(T)), got $(what(value))"))
end
describe(::Type{Float64}) = "a float64 scalar"
describe(::Type{Array{T, N}}) where {T, N} = "a $N-d $T array"
describe(T::Type) = string(T)

function setting(config::AbstractDict, key::String, ::Type{T}) where {T}
    haskey(config, key) || throw(TaskError("config.txt has no '$key'"))
    T === String && return config[key]
    value = tryparse(T, config[key])
    value === nothing && throw(TaskError("config.txt: '$key $(config[key])' is not a valid $T"))
    return value
end

"Targets as this port uses them: 0-based int64 labels become 1-based; one-hot (C×N float64) stays."
function labels_of(t)
    if t isa AbstractVector{<:Integer}
        all(l -> 0 <= l < 10_000, t) || throw(TaskError("labels must be 0-based class numbers, got $(extrema(t))"))
        return Int.(t) .+ 1
    elseif t isa Matrix{Float64}
        return t
    end
    throw(TaskError("targets 't' must be int64 labels (N) or one-hot float64 (N×C)"))
end

"The network's parameters from the inputs (copied, as the reference does), with their shapes checked."
function read_params(inputs::AbstractDict)
    W1, b1 = require_input(inputs, "W1", Matrix{Float64}), require_input(inputs, "b1", Vector{Float64})
    W2, b2 = require_input(inputs, "W2", Matrix{Float64}), require_input(inputs, "b2", Vector{Float64})
    hidden = size(W1, 1)
    shapes = "W1 $(reverse(size(W1))), b1 $(size(b1)), W2 $(reverse(size(W2))), b2 $(size(b2))"
    (length(b1) == hidden && size(W2, 2) == hidden && length(b2) == size(W2, 1)) ||
        throw(TaskError("parameter shapes do not fit together: $shapes"))
    return (W1=copy(W1), b1=copy(b1), W2=copy(W2), b2=copy(b2))
end

function check_samples(x::Matrix{Float64}, params, t)
    size(x, 1) == size(params.W1, 2) ||
        throw(TaskError("x has $(size(x, 1)) features per sample, W1 expects $(size(params.W1, 2))"))
    size(t, ndims(t)) == size(x, 2) || throw(TaskError("$(size(t, ndims(t))) targets for $(size(x, 2)) samples"))
    classes = size(params.W2, 1)
    if t isa AbstractVector
        all(l -> 1 <= l <= classes, t) || throw(TaskError("labels must be 0..$(classes - 1), found $(extrema(t) .- 1)"))
    elseif size(t, 1) != classes
        throw(TaskError("one-hot targets have $(size(t, 1)) classes, W2 has $classes outputs"))
    end
    return nothing
end

"The config's `variant`: `layers` (the book's structure; the default) or `fused` (fused.jl)."
function variant_of(config::AbstractDict)
    v = get(config, "variant", "layers")
    v in ("layers", "fused") || throw(TaskError("unknown variant '$v' (expected layers or fused)"))
    return v
end

"The variant's network on the parameters (shared, not copied)."
new_net(variant::String, params::Params) = variant == "fused" ? FusedNet(params) : TwoLayerNet(params)

"A NamedTuple's entries as String => value pairs."
named(nt::NamedTuple) = [String(k) => v for (k, v) in pairs(nt)]

"The training problem as this port holds it: images as Float64 in [0, 1], labels and batch rows 1-based."
function load_training(inputs, params)
    x_train = require_input(inputs, "x_train", Matrix{UInt8}) ./ 255.0
    x_test = require_input(inputs, "x_test", Matrix{UInt8}) ./ 255.0
    t_train = labels_of(require_input(inputs, "t_train", Vector{UInt8}))
    t_test = labels_of(require_input(inputs, "t_test", Vector{UInt8}))
    batches = require_input(inputs, "batches", Matrix{Int64}) .+ 1
    check_samples(x_train, params, t_train)
    check_samples(x_test, params, t_test)
    all(i -> 1 <= i <= size(x_train, 2), batches) || throw(TaskError("batch indices outside the training set"))
    return (x_train=x_train, t_train=t_train, x_test=x_test, t_test=t_test, batches=batches)
end
