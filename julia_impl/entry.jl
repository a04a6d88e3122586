# The Julia port's entry point (python_impl/entry.py; the tasks are in docs/interchange.md):
#
#     julia --startup-file=no julia_impl/entry.jl TASK_FOLDER
#
# Reads TASK/config.txt and TASK/in/, writes TASK/out/ (the manifest last). On any error it prints one line
# `error: ...` to standard error and exits with code 1 (set NNBENCH_DEBUG=1 for the stack trace too).
# In-process callers (the juliacall transport) include this file and call JuliaImpl.run_task on arrays
# already in memory; the file-based `main` calls the same function.
module JuliaImpl

using LinearAlgebra, Printf

include("interchange.jl")
include("info.jl")
include("layers.jl")
include("gradient.jl")
include("perceptron.jl")
include("two_layer_net.jl")
include("fused.jl")
include("train.jl")

# --- inputs and config, with clear errors ----------------------------------------------------------------
struct TaskError <: Exception
    msg::String
end
Base.showerror(io::IO, e::TaskError) = print(io, e.msg)

"The input `name`, which must be of type T (e.g. Matrix{Float64}: a 2-d float64 array)."
function input(inputs::AbstractDict, name::String, ::Type{T}) where {T}
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
function targets(t)
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
    W1, b1 = input(inputs, "W1", Matrix{Float64}), input(inputs, "b1", Vector{Float64})
    W2, b2 = input(inputs, "W2", Matrix{Float64}), input(inputs, "b2", Vector{Float64})
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

seconds(start::UInt64) = (time_ns() - start) / 1e9

"The config's `variant`: `layers` (the book's structure; the default) or `fused` (fused.jl)."
function variant(config::AbstractDict)
    v = get(config, "variant", "layers")
    v in ("layers", "fused") || throw(TaskError("unknown variant '$v' (expected layers or fused)"))
    return v
end

"The variant's network on the parameters (shared, not copied)."
make_net(variant::String, params::Params) = variant == "fused" ? FusedNet(params) : TwoLayerNet(params)

"A NamedTuple's entries as String => value pairs."
named(nt::NamedTuple) = [String(k) => v for (k, v) in pairs(nt)]

# --- BLAS threads, set from the config (info.jl reads them back) ------------------------------------------
function set_blas_threads(n::Integer)
    n >= 1 || throw(TaskError("threads must be at least 1, got $n"))
    BLAS.set_num_threads(n)
    return nothing
end

# --- tasks: each returns (results by name, info lines) ------------------------------------------------------
const Results = Dict{String, Any}
const NO_INFO = Pair{String, String}[]

task_noop(config, inputs) = Results(), NO_INFO

task_info(config, inputs) = Results(), port_info()

function task_grad(config, inputs)
    model = setting(config, "model", String)
    numerical = get(config, "numerical", "0") == "1"
    x = input(inputs, "x", Matrix{Float64})
    if model == "perceptron"
        W, b = copy(input(inputs, "W", Vector{Float64})), input(inputs, "b", Float64)
        t = input(inputs, "t", Vector{Float64})
        if numerical
            bb = [b]
            f = () -> Perceptron.loss(W, bb[1], x, t)
            return Results("loss" => Perceptron.loss(W, b, x, t), "W" => numerical_gradient(f, W),
                           "b" => numerical_gradient(f, bb)[1]), NO_INFO
        end
        E, dW, db = Perceptron.gradient(W, b, x, t)
        return Results("loss" => E, "W" => dW, "b" => db), NO_INFO
    elseif model == "two_layer_net"
        params = read_params(inputs)
        t = targets(input(inputs, "t", AbstractArray))
        check_samples(x, params, t)
        net = TwoLayerNet(params)
        if numerical
            grads = numerical_gradient(net, x, t)
            return Results("loss" => loss(net, x, t), named(grads)...), NO_INFO
        end
        L, grads = gradient(net, x, t)
        return Results("loss" => L, named(grads)...), NO_INFO
    end
    throw(TaskError("unknown model '$model' (two_layer_net or perceptron)"))
end

function task_layers(config, inputs)
    g(name) = input(inputs, name, name == "affine_b" ? Vector{Float64} : Matrix{Float64})
    out = Results()
    layer = MatMul(g("matmul_W"))
    out["matmul_out"] = forward(layer, g("matmul_x"))
    out["matmul_dx"] = backward(layer, g("matmul_dout"))
    out["matmul_dW"] = layer.dW
    layer = Add()
    out["add_out"] = forward(layer, g("add_x"), g("add_y"))
    out["add_dx"], out["add_dy"] = backward(layer, g("add_dout"))
    layer = Mul()
    out["mul_out"] = forward(layer, g("mul_x"), g("mul_y"))
    out["mul_dx"], out["mul_dy"] = backward(layer, g("mul_dout"))
    layer = Relu()
    out["relu_out"] = forward(layer, g("relu_x"))
    out["relu_dx"] = backward(layer, g("relu_dout"))
    layer = Sigmoid()
    out["sigmoid_out"] = forward(layer, g("sigmoid_x"))
    out["sigmoid_dx"] = backward(layer, g("sigmoid_dout"))
    layer = Affine(g("affine_W"), g("affine_b"))
    out["affine_out"] = forward(layer, g("affine_x"))
    out["affine_dx"] = backward(layer, g("affine_dout"))
    out["affine_dW"], out["affine_db"] = layer.dW, layer.db
    layer = SoftmaxWithLoss()
    out["softmax_loss"] = forward(layer, g("softmax_x"), g("softmax_t"))
    out["softmax_dx"] = backward(layer, 1.0)
    return out, NO_INFO
end

function task_perceptron(config, inputs)
    train_run = variant(config) == "fused" ? train_perceptron_fused : Perceptron.train
    epochs, lr, repeats = setting(config, "epochs", Int), setting(config, "lr", Float64), setting(config, "repeats", Int)
    x, y = input(inputs, "x", Matrix{Float64}), input(inputs, "y", Vector{Float64})
    W0, b0 = input(inputs, "W", Vector{Float64}), input(inputs, "b", Float64)
    # Every run through a dynamic call (invokelatest): a static call here would have the training code
    # compiled with this function, before the clock starts, and first_time would miss the compilation.
    # (The dynamic dispatch costs well under a microsecond against a whole run of many epochs.)
    start = time_ns()
    result = Base.invokelatest(train_run, W0, b0, x, y, epochs, lr)
    first = seconds(start)
    times = Vector{Float64}(undef, repeats)
    for r in 1:repeats
        start = time_ns()
        result = Base.invokelatest(train_run, W0, b0, x, y, epochs, lr)
        times[r] = seconds(start)
    end
    W, b, losses, solved = result
    return Results("W" => W, "b" => b, "losses" => losses, "solved_epoch" => Float64(solved),
                   "first_time" => first, "times" => times), NO_INFO
end

"The training problem as this port holds it: images as Float64 in [0, 1], labels and batch rows 1-based."
function load_training(inputs, params)
    x_train = input(inputs, "x_train", Matrix{UInt8}) ./ 255.0
    x_test = input(inputs, "x_test", Matrix{UInt8}) ./ 255.0
    t_train = targets(input(inputs, "t_train", Vector{UInt8}))
    t_test = targets(input(inputs, "t_test", Vector{UInt8}))
    batches = input(inputs, "batches", Matrix{Int64}) .+ 1
    check_samples(x_train, params, t_train)
    check_samples(x_test, params, t_test)
    all(i -> 1 <= i <= size(x_train, 2), batches) || throw(TaskError("batch indices outside the training set"))
    return (x_train=x_train, t_train=t_train, x_test=x_test, t_test=t_test, batches=batches)
end

"The `train` task with the config's variant's step (the accuracies are the layered net's, untimed)."
function task_train(config, inputs)
    lr, eval_every = setting(config, "lr", Float64), setting(config, "eval_every", Int)
    eval_every >= 1 || throw(TaskError("eval_every must be at least 1"))
    net = make_net(variant(config), read_params(inputs))
    d = load_training(inputs, net.params)
    net isa FusedNet && buffers!(net, size(d.batches, 1))   # made now, not in the first timed step
    iters = size(d.batches, 2)
    progress(i) = (println("progress $i $iters"); flush(stdout))
    result = train(net, d.x_train, d.t_train, d.x_test, d.t_test, d.batches, lr, eval_every, progress)
    return Results(named(result)..., named(net.params)...), NO_INFO
end

"One training step (of the config's variant) timed alone: in a fresh process, the first call, compilation included."
function task_first_step(config, inputs)
    lr = setting(config, "lr", Float64)
    net = make_net(variant(config), read_params(inputs))
    x, t = input(inputs, "x", Matrix{Float64}), targets(input(inputs, "t", Vector{Int64}))
    check_samples(x, net.params, t)
    # A dynamic call (invokelatest): the step is compiled at this call, so the time includes the JIT (a static
    # call would have it compiled, untimed, with this function).
    start = time_ns()
    Base.invokelatest(sgd_step, net, x, t, lr)
    first = seconds(start)
    return Results("first_step" => first, named(net.params)...), NO_INFO
end

# --- worker tasks: state kept between requests (docs/interchange.md, "Workers") -----------------------------
const STATE = Dict{String, Any}()

"STATE[key], or the error `why` (what is not held, and which request must come first)."
function held(key::String, why::String)
    haskey(STATE, key) || throw(TaskError(why))
    return STATE[key]
end

"The held training run of the config's variant: one per variant, so that a worker can hold both at once."
train_key(config) = "train_" * variant(config)
held_train(config) = held(train_key(config), "no train run of variant $(variant(config)) is held: " *
                                             "train_begin (variant $(variant(config))) must come first")

"""Holds the network, the data and the batch sequence for the train_steps requests that follow, under the config's
variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run from
another."""
function task_train_begin(config, inputs)
    net = make_net(variant(config), read_params(inputs))
    first = haskey(config, "first") ? setting(config, "first", Int) : 0
    data = load_training(inputs, net.params)
    net isa FusedNet && buffers!(net, size(data.batches, 1))   # made now, not in the first timed step
    STATE[train_key(config)] = (net=net, data=data, lr=setting(config, "lr", Float64), done=Ref(first))
    return Results(), NO_INFO
end

"Steps first+1 .. first+steps of the held training run (first is 0-based); the accuracies too with evaluate 1."
function task_train_steps(config, inputs)
    s = held_train(config)
    first, steps = setting(config, "first", Int), setting(config, "steps", Int)
    iters = size(s.data.batches, 2)
    (first == s.done[] && steps >= 1 && first + steps <= iters) ||
        throw(TaskError("steps $first..$(first + steps - 1) do not follow the $(s.done[]) done (of $iters)"))
    losses, step_times, gc_times, faults = Base.invokelatest(train_steps, s.net, s.data.x_train, s.data.t_train,
                                                             view(s.data.batches, :, first+1:first+steps), s.lr)
    s.done[] += steps
    out = Results("loss" => losses, "step_times" => step_times, "gc_times" => gc_times, "page_faults" => faults)
    if get(config, "evaluate", "0") == "1"
        out["train_acc"] = accuracy(s.net, s.data.x_train, s.data.t_train)
        out["test_acc"] = accuracy(s.net, s.data.x_test, s.data.t_test)
    end
    return out, NO_INFO
end

"The trained parameters; the held training run (of the config's variant) is dropped."
function task_train_end(config, inputs)
    s = held_train(config)
    delete!(STATE, train_key(config))
    return Results(named(s.net.params)...), NO_INFO
end

"""Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
follow. A fused case also holds its FusedNet, buffers made, whose parameters every round resets."""
function task_bench_begin(config, inputs)
    v = variant(config)
    params = read_params(inputs)
    x, t = input(inputs, "x", Matrix{Float64}), targets(input(inputs, "t", Vector{Int64}))
    check_samples(x, params, t)
    fused = v == "fused" ? FusedNet(map(copy, params)) : nothing
    fused === nothing || buffers!(fused, size(x, 2))
    cases = get!(() -> Dict{String, Any}(), STATE, "bench")
    cases[setting(config, "case_id", String)] = (params=params, x=x, t=t, lr=setting(config, "lr", Float64),
                                                 variant=v, fused=fused)
    return Results(), NO_INFO
end

"""One round of the held case `case_id`: from its parameters, `warmup` untimed steps then `inner` timed steps
(step_time, per step); then the step's six matrix products alone, `warmup` times untimed and `inner` times timed
(blas_time, per step). With `verify` 1, also what they computed: the parameters after the steps, and the six
products."""
function task_bench_round(config, inputs)
    case = setting(config, "case_id", String)
    why = "no bench case '$case' is held: bench_begin must come first"
    s = get(held("bench", why), case, nothing)
    s === nothing && throw(TaskError(why))
    # the held case's variant; a `variant` key, if given, must name it
    haskey(config, "variant") && variant(config) != s.variant &&
        throw(TaskError("bench case '$case' holds variant $(s.variant), not $(variant(config))"))
    warmup, inner = setting(config, "warmup", Int), setting(config, "inner", Int)
    (warmup >= 0 && inner >= 1) || throw(TaskError("warmup must be at least 0 and inner at least 1"))
    if s.variant == "fused"
        net = s.fused
        map(copyto!, net.params, s.params)   # from the held parameters, into the arrays the buffers go with
    else
        net = TwoLayerNet(map(copy, s.params))
    end
    step_time, gc_time = Base.invokelatest(time_steps, net, s.x, s.t, s.lr, warmup, inner)
    blas_time, products = Base.invokelatest(time_products, s.params.W1, s.params.W2, s.x, warmup, inner)
    out = Results("step_time" => step_time, "gc_time" => gc_time, "blas_time" => blas_time)
    if get(config, "verify", "0") == "1"
        # (copies: a fused case's arrays are its held net's, which the next round overwrites)
        merge!(out, Results(named(map(copy, net.params))..., named(products)...))
    end
    return out, NO_INFO
end

"`warmup` untimed steps, then `inner` consecutive timed steps: seconds per step, and the GC's part of it."
function time_steps(net::Union{TwoLayerNet, FusedNet}, x::Matrix{Float64}, t::AbstractVecOrMat, lr::Float64,
                    warmup::Int, inner::Int)
    for _ in 1:warmup
        sgd_step(net, x, t, lr)
    end
    gc_start = Base.gc_time_ns()
    start = time_ns()
    for _ in 1:inner
        sgd_step(net, x, t, lr)
    end
    return seconds(start) / inner, (Base.gc_time_ns() - gc_start) / 1e9 / inner
end

"""The step's six matrix products alone, with the step's shapes, each into a new result as the layered step makes
them (the same definition in every port, docs/porting.md): forward x·W1, h·W2; backward dy·W2ᵀ, hᵀ·dy, dh·W1ᵀ, xᵀ·dh
(Python's names; here transposed). Returns seconds per set of six, and the products (named as Python's)."""
function time_products(W1::Matrix{Float64}, W2::Matrix{Float64}, x::Matrix{Float64}, warmup::Int, inner::Int)
    h = W1 * x
    dy = W2 * h
    dh = W2' * dy
    products() = (W1 * x, W2 * h, W2' * dy, dy * h', W1' * dh, dh * x')
    for _ in 1:warmup
        products()
    end
    start = time_ns()
    for _ in 1:inner
        products()
    end
    time = seconds(start) / inner
    p = products()
    return time, (p_xW1=p[1], p_hW2=p[2], p_dyW2t=p[3], p_htdy=p[4], p_dhW1t=p[5], p_xtdh=p[6])
end

"""
    run_task(config, inputs) -> (results, info)

Runs the task named by config["task"] on inputs in this port's layout and returns the result arrays by name
and the info lines (key => value pairs; empty but for `info`). For in-process callers (juliacall): keys may
be any strings or symbols, values any arrays (wrappers of NumPy buffers included) or numbers.
"""
function run_task(config::AbstractDict, inputs::AbstractDict)
    config = Dict{String, String}(string(k) => string(v) for (k, v) in config)
    inputs = Dict{String, Any}(string(k) => to_port(v) for (k, v) in inputs)
    return dispatch_task(config, inputs)
end

const TASKS = Dict{String, Function}(
    "noop" => task_noop, "info" => task_info, "grad" => task_grad, "layers" => task_layers,
    "perceptron" => task_perceptron, "train" => task_train, "first_step" => task_first_step,
    "train_begin" => task_train_begin, "train_steps" => task_train_steps, "train_end" => task_train_end,
    "bench_begin" => task_bench_begin, "bench_round" => task_bench_round)

function dispatch_task(config::Dict{String, String}, inputs::Dict{String, Any})
    haskey(config, "threads") && set_blas_threads(setting(config, "threads", Int))
    task = setting(config, "task", String)
    f = get(TASKS, task, nothing)
    # A dynamic call: each task is compiled when it runs, not all of them with dispatch_task.
    f === nothing || return Base.invokelatest(f, config, inputs)
    throw(TaskError("unknown task '$task' ($(join(sort!(collect(keys(TASKS))), ", ")))"))
end

# arrays handed over in memory (e.g. by juliacall, as wrappers of NumPy buffers) become plain Julia arrays
to_port(x::Array) = x
to_port(x::AbstractArray{T, N}) where {T, N} = Array{T, N}(x)
to_port(x::Array{T, 0}) where {T} = x[]            # 0-d arrays are scalars
to_port(x::AbstractArray{T, 0}) where {T} = x[]
to_port(x) = x

"One line for the harness, whatever went wrong."
one_line(e) = replace(strip(sprint(showerror, e)), r"\s*\n\s*" => " | ")

"Runs a task folder: reads config.txt and in/, writes out/ (the manifest last)."
function run_folder(task_dir::AbstractString)
    config = read_config(task_dir)
    in_dir = joinpath(task_dir, "in")
    # (invokelatest: dynamic calls, so that code a task does not need is not compiled with `main`;
    # it keeps the start-up time of `noop` down)
    inputs = isfile(joinpath(in_dir, "manifest.txt")) ? Base.invokelatest(read_arrays, in_dir) : Dict{String, Any}()
    results, info = dispatch_task(config, inputs)
    out_dir = joinpath(task_dir, "out")
    isempty(info) || Base.invokelatest(write_info, out_dir, info)
    Base.invokelatest(write_arrays, out_dir, results)
    return nothing
end

function debug_trace()
    if !isempty(get(ENV, "NNBENCH_DEBUG", ""))
        Base.show_backtrace(stderr, catch_backtrace())
        println(stderr)
    end
end

"Worker mode: `run TASK_FOLDER` lines on standard input, one answer line each on standard output."
function serve()
    println("nnbench-ready")
    flush(stdout)
    while !eof(stdin)
        request = strip(readline(stdin))
        request == "quit" && break
        isempty(request) && continue
        verb, arg = occursin(' ', request) ? split(request, ' '; limit=2) : (request, "")
        try
            (verb == "run" && !isempty(arg)) ||
                throw(TaskError("unknown request '$request' (expected: run TASK_FOLDER, or quit)"))
            run_folder(String(arg))
            println("nnbench-done")
        catch e
            e isa InterruptException && rethrow()
            println("nnbench-error ", one_line(e))
            debug_trace()
        end
        flush(stdout)
    end
    return 0
end

function main(args::Vector{String})
    if length(args) != 1
        println(stderr, "error: usage: julia --startup-file=no julia_impl/entry.jl TASK_FOLDER|--worker")
        return 2
    end
    args[1] == "--worker" && return serve()
    try
        run_folder(args[1])
    catch e
        println(stderr, "error: ", one_line(e))
        debug_trace()
        return 1
    end
    return 0
end

end # module JuliaImpl

if abspath(PROGRAM_FILE) == @__FILE__
    exit(JuliaImpl.main(ARGS))
end
