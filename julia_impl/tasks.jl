# The Julia port's tasks (docs/interchange.md), each with the same signature: (configuration, inputs, state) ->
# (results by name, state). The state is what a worker keeps between requests (held training runs and bench cases);
# a task that keeps nothing hands it back as it came. Part of the dispatcher (entry.jl, checks.jl, tasks.jl,
# kernels.jl: the same four files in every port, docs/porting.md).

const Results = Dict{String, Any}
const State = Dict{String, Any}

task_noop(config, inputs, state) = Results(), state

"No arrays; the facts of info.jl, which the protocol writes to out/info.txt."
task_info(config, inputs, state) = Results("info" => port_info()), state

function task_grad(config, inputs, state)
    model = setting(config, "model", String)
    numerical = get(config, "numerical", "0") == "1"
    x = require_input(inputs, "x", Matrix{Float64})
    if model == "perceptron"
        W, b = copy(require_input(inputs, "W", Vector{Float64})), require_input(inputs, "b", Float64)
        t = require_input(inputs, "t", Vector{Float64})
        if numerical
            bb = [b]
            f = () -> Perceptron.loss(W, bb[1], x, t)
            return Results("loss" => Perceptron.loss(W, b, x, t), "W" => numerical_gradient(f, W),
                           "b" => numerical_gradient(f, bb)[1]), state
        end
        E, dW, db = Perceptron.gradient(W, b, x, t)
        return Results("loss" => E, "W" => dW, "b" => db), state
    elseif model == "two_layer_net"
        params = read_params(inputs)
        t = labels_of(require_input(inputs, "t", AbstractArray))
        check_samples(x, params, t)
        net = TwoLayerNet(params)
        if numerical
            grads = numerical_gradient(net, x, t)
            return Results("loss" => loss(net, x, t), named(grads)...), state
        end
        L, grads = gradient(net, x, t)
        return Results("loss" => L, named(grads)...), state
    end
    throw(TaskError("unknown model '$model' (two_layer_net or perceptron)"))
end

function task_layers(config, inputs, state)
    g(name) = require_input(inputs, name, name == "affine_b" ? Vector{Float64} : Matrix{Float64})
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
    return out, state
end

function task_perceptron(config, inputs, state)
    train_run = variant_of(config) == "fused" ? fused_perceptron_train : Perceptron.train
    epochs, lr, repeats = setting(config, "epochs", Int), setting(config, "lr", Float64), setting(config, "repeats", Int)
    x, y = require_input(inputs, "x", Matrix{Float64}), require_input(inputs, "y", Vector{Float64})
    W0, b0 = require_input(inputs, "W", Vector{Float64}), require_input(inputs, "b", Float64)
    # Every run through a dynamic call (invokelatest): a static call here would have the training code
    # compiled with this function, before the clock starts, and first_time would miss the compilation.
    # (The dynamic dispatch costs well under a microsecond against a whole run of many epochs.)
    result, first, times = time_runs(() -> Base.invokelatest(train_run, W0, b0, x, y, epochs, lr), repeats)
    W, b, losses, solved = result
    return Results("W" => W, "b" => b, "losses" => losses, "solved_epoch" => Float64(solved),
                   "first_time" => first, "times" => times), state
end

"""The whole training run in one request, as the worker tasks run it (the one training driver): train_begin,
train_steps in chunks of `eval_every` steps, each evaluated and reported as progress, then train_end; on a state of
its own, so that a worker's held runs are left alone."""
function task_train(config, inputs, state)
    eval_every = setting(config, "eval_every", Int)
    eval_every >= 1 || throw(TaskError("eval_every must be at least 1"))
    _, run = task_train_begin(merge(config, Dict("first" => "0")), inputs, State())
    iters = size(run[train_key(config)].data.batches, 2)
    chunks = Results[]
    for first in 0:eval_every:iters-1
        steps = min(eval_every, iters - first)
        chunk, run = task_train_steps(merge(config, Dict("first" => "$first", "steps" => "$steps", "evaluate" => "1")),
                                      inputs, run)
        push!(chunks, chunk)
        println("progress $(first + steps) $iters")
        flush(stdout)
    end
    params, _ = task_train_end(config, inputs, run)
    joined = Results(name => vcat((c[name] for c in chunks)...)
                     for name in ("loss", "step_times", "gc_times", "train_acc", "test_acc"))
    return merge(joined, params), state
end

"One training step (of the config's variant) timed alone: in a fresh process, the first call, compilation included."
function task_first_step(config, inputs, state)
    lr = setting(config, "lr", Float64)
    net = new_net(variant_of(config), read_params(inputs))
    x, t = require_input(inputs, "x", Matrix{Float64}), labels_of(require_input(inputs, "t", Vector{Int64}))
    check_samples(x, net.params, t)
    # A dynamic call (invokelatest): the step is compiled at this call, so the time includes the JIT (a static
    # call would have it compiled, untimed, with this function).
    start = time_ns()
    Base.invokelatest(sgd_step, net, x, t, lr)
    first = seconds(start)
    return Results("first_step" => first, named(net.params)...), state
end

# --- worker tasks: state kept between requests (docs/interchange.md, "Workers") -----------------------------
"state[key], or the error `why` (what is not held, and which request must come first)."
function held(state, key::String, why::String)
    haskey(state, key) || throw(TaskError(why))
    return state[key]
end

"The held training run of the config's variant: one per variant, so that a worker can hold both at once."
train_key(config) = "train_" * variant_of(config)
held_train(state, config) = held(state, train_key(config), "no train run of variant $(variant_of(config)) is held: " *
                                             "train_begin (variant $(variant_of(config))) must come first")

"""Holds the network, the data and the batch sequence for the train_steps requests that follow, under the config's
variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run from
another."""
function task_train_begin(config, inputs, state)
    net = new_net(variant_of(config), read_params(inputs))
    first = haskey(config, "first") ? setting(config, "first", Int) : 0
    data = load_training(inputs, net.params)
    net isa FusedNet && buffers!(net, size(data.batches, 1))   # made now, not in the first timed step
    state[train_key(config)] = (net=net, data=data, lr=setting(config, "lr", Float64), done=Ref(first))
    return Results(), state
end

"Steps first+1 .. first+steps of the held training run (first is 0-based); the accuracies too with evaluate 1."
function task_train_steps(config, inputs, state)
    s = held_train(state, config)
    first, steps = setting(config, "first", Int), setting(config, "steps", Int)
    iters = size(s.data.batches, 2)
    (first == s.done[] && steps >= 1 && first + steps <= iters) ||
        throw(TaskError("steps $first..$(first + steps - 1) do not follow the $(s.done[]) done (of $iters)"))
    losses, step_times, gc_times, faults, allocs = Base.invokelatest(train_steps, s.net, s.data.x_train, s.data.t_train,
                                                             view(s.data.batches, :, first+1:first+steps), s.lr)
    s.done[] += steps
    out = Results("loss" => losses, "step_times" => step_times, "gc_times" => gc_times, "page_faults" => faults,
                  "alloc_bytes" => allocs)
    if get(config, "evaluate", "0") == "1"
        out["train_acc"] = accuracy(s.net, s.data.x_train, s.data.t_train)
        out["test_acc"] = accuracy(s.net, s.data.x_test, s.data.t_test)
    end
    return out, state
end

"""`steps` steps on a copy of the held network, on the run's batches from its first on (from the first
again past the last), each timed; the held run does not advance. A fresh process's first steps, run
before its share of the run (docs/measurement.md)."""
function task_train_warmup(config, inputs, state)
    s = held_train(state, config)
    steps = setting(config, "steps", Int)
    steps >= 1 || throw(TaskError("steps must be at least 1"))
    warm = s.data.batches[:, mod1.(1:steps, size(s.data.batches, 2))]
    step_times = Base.invokelatest(train_steps, deepcopy(s.net), s.data.x_train, s.data.t_train, warm, s.lr)[2]
    return Results("step_times" => step_times), state
end

"The trained parameters; the held training run (of the config's variant) is dropped."
function task_train_end(config, inputs, state)
    s = held_train(state, config)
    delete!(state, train_key(config))
    return Results(named(s.net.params)...), state
end

"""Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
follow. A fused case also holds its FusedNet, buffers made, whose parameters every round resets."""
function task_bench_begin(config, inputs, state)
    v = variant_of(config)
    params = read_params(inputs)
    x, t = require_input(inputs, "x", Matrix{Float64}), labels_of(require_input(inputs, "t", Vector{Int64}))
    check_samples(x, params, t)
    fused = v == "fused" ? FusedNet(map(copy, params)) : nothing
    fused === nothing || buffers!(fused, size(x, 2))
    cases = get!(() -> Dict{String, Any}(), state, "bench")
    cases[setting(config, "case_id", String)] = (params=params, x=x, t=t, lr=setting(config, "lr", Float64),
                                                 variant=v, fused=fused)
    return Results(), state
end

"""One round of the held case `case_id`: from its parameters, `warmup` untimed steps then `inner` timed steps
(step_time, per step); then the step's six matrix products alone, `warmup` times untimed and `inner` times timed
(blas_time, per step). With `verify` 1, also what they computed: the parameters after the steps, and the six
products."""
function task_bench_round(config, inputs, state)
    case = setting(config, "case_id", String)
    why = "no bench case '$case' is held: bench_begin must come first"
    s = get(held(state, "bench", why), case, nothing)
    s === nothing && throw(TaskError(why))
    # the held case's variant; a `variant` key, if given, must name it
    haskey(config, "variant") && variant_of(config) != s.variant &&
        throw(TaskError("bench case '$case' holds variant $(s.variant), not $(variant_of(config))"))
    warmup, inner = setting(config, "warmup", Int), setting(config, "inner", Int)
    (warmup >= 0 && inner >= 1) || throw(TaskError("warmup must be at least 0 and inner at least 1"))
    if s.variant == "fused"
        net = s.fused
        map(copyto!, net.params, s.params)   # from the held parameters, into the arrays the buffers go with
    else
        net = TwoLayerNet(map(copy, s.params))
    end
    step_time, gc_time = Base.invokelatest(time_steps, net, s.x, s.t, s.lr, warmup, inner)
    blas_time, blas_gc_time, products = Base.invokelatest(time_products, s.params.W1, s.params.W2, s.x, warmup, inner)
    out = Results("step_time" => step_time, "gc_time" => gc_time, "blas_time" => blas_time,
                  "blas_gc_time" => blas_gc_time)
    if get(config, "verify", "0") == "1"
        # (copies: a fused case's arrays are its held net's, which the next round overwrites)
        merge!(out, Results(named(map(copy, net.params))..., named(products)...))
    end
    return out, state
end

const TASKS = Dict{String, Function}(
    "noop" => task_noop, "info" => task_info, "grad" => task_grad, "layers" => task_layers,
    "perceptron" => task_perceptron, "train" => task_train, "first_step" => task_first_step,
    "train_begin" => task_train_begin, "train_steps" => task_train_steps, "train_warmup" => task_train_warmup,
    "train_end" => task_train_end,
    "bench_begin" => task_bench_begin, "bench_round" => task_bench_round)
