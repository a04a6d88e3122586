# The Julia port's measurement kernels: what a timed request runs between its clock readings, written once by the
# rule of docs/porting.md ("The measurement kernels"): a full collection and `warmup` untimed repetitions, then
# `inner` timed ones read with the monotonic clock time_ns, the result per repetition (with the collector's share,
# Julia counting it); the BLAS floor's six products each into a new result. Part of the dispatcher (entry.jl,
# checks.jl, tasks.jl, kernels.jl).

seconds(start::UInt64) = (time_ns() - start) / 1e9

"""A full collection, untimed, before a timed block's warm-up (docs/porting.md, "The measurement kernels"), as
BenchmarkTools collects before a trial: the block then holds the fewest collections it can."""
full_collection() = GC.gc()

"""A full collection, `warmup` untimed steps, then `inner` consecutive timed steps: seconds per step, and the GC's
part of it."""
function time_steps(net::Union{TwoLayerNet, FusedNet}, x::Matrix{Float64}, t::AbstractVecOrMat, lr::Float64,
                    warmup::Int, inner::Int)
    full_collection()
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
(Python's names; here transposed). Returns seconds per set of six, the GC's part of it, and the products (named as
Python's)."""
function time_products(W1::Matrix{Float64}, W2::Matrix{Float64}, x::Matrix{Float64}, warmup::Int, inner::Int)
    h = W1 * x
    dy = W2 * h
    dh = W2' * dy
    products() = (W1 * x, W2 * h, W2' * dy, dy * h', W1' * dh, dh * x')
    full_collection()
    for _ in 1:warmup
        products()
    end
    gc_start = Base.gc_time_ns()
    start = time_ns()
    for _ in 1:inner
        products()
    end
    time = seconds(start) / inner
    gc_time = (Base.gc_time_ns() - gc_start) / 1e9 / inner
    p = products()
    return time, gc_time, (p_xW1=p[1], p_hW2=p[2], p_dyW2t=p[3], p_htdy=p[4], p_dhW1t=p[5], p_xtdh=p[6])
end


"""A whole run (the perceptron's training: `run()`, a dynamic call, so that its compilation falls in the first
timing) timed once, the first call, then `repeats` times more: (the last run's result, the first time, the
repeats' times), in seconds."""
function time_runs(run, repeats::Int)
    start = time_ns()
    result = run()
    first = seconds(start)
    times = Vector{Float64}(undef, repeats)
    for r in 1:repeats
        start = time_ns()
        result = run()
        times[r] = seconds(start)
    end
    return result, first, times
end
