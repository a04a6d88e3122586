# Plain SGD over a given mini-batch index sequence, so that every language replays the same one
# (python_impl/train.py): the step, the one training driver (train_steps: a chunk of steps, each timed) and the
# accuracy. A whole run is made of chunks by the tasks (tasks.jl: train_begin, train_steps, train_end), for a
# one-shot request as for a worker.

"One training step: backprop, then params .-= lr .* grad in place. Returns the batch loss before the update."
function sgd_step(net::TwoLayerNet, x::Matrix{Float64}, t::AbstractVecOrMat, lr::Float64)
    L, grads = gradient(net, x, t)
    map((param, grad) -> (param .-= lr .* grad), net.params, grads)   # W1, b1, W2, b2 (unrolled over the tuple)
    return L
end

"""
    train_steps(net, x_train, t_train, batches, lr) -> (losses, step_times, gc_times, faults, allocs)

One step on each column of `batches` (1-based sample indices, one batch per column). Returns each step's batch
loss, its time (gradient + update, measured with the monotonic clock time_ns; the gather is not timed), the
part of that time Julia's garbage collector took (its own counter, Base.gc_time_ns), the minor page faults
the step took (minor_faults) and the bytes it allocated (Julia's own counter, Base.gc_bytes).
`net` is a TwoLayerNet or a FusedNet (fused.jl): the step is its sgd_step method.
"""
function train_steps(net::Union{TwoLayerNet, FusedNet}, x_train::Matrix{Float64}, t_train::AbstractVector{<:Integer},
                     batches::AbstractMatrix{<:Integer}, lr::Float64)
    n = size(batches, 2)
    losses = Vector{Float64}(undef, n)
    step_times = Vector{Float64}(undef, n)
    gc_times = Vector{Float64}(undef, n)
    faults = Vector{Float64}(undef, n)
    allocs = Vector{Float64}(undef, n)
    x_batch = Matrix{Float64}(undef, size(x_train, 1), size(batches, 1))
    t_batch = Vector{eltype(t_train)}(undef, size(batches, 1))
    for i in 1:n
        idx = view(batches, :, i)
        x_batch .= view(x_train, :, idx)
        t_batch .= view(t_train, idx)
        gc_start, faults_start, bytes_start = Base.gc_time_ns(), minor_faults(), Base.gc_bytes()
        start = time_ns()
        losses[i] = sgd_step(net, x_batch, t_batch, lr)
        step_times[i] = (time_ns() - start) / 1e9
        gc_times[i] = (Base.gc_time_ns() - gc_start) / 1e9
        faults[i] = minor_faults() - faults_start
        allocs[i] = Base.gc_bytes() - bytes_start
    end
    return losses, step_times, gc_times, faults, allocs
end

"""This process's minor page faults so far (getrusage's ru_minflt): each one a page of memory the kernel maps, and
zeroes, the first time the process touches it. A step's count tells an allocation that reuses memory from one
that keeps taking new pages."""
function minor_faults()
    usage = zeros(Int64, 18)   # struct rusage: two timevals (4 longs), then 14 longs
    ccall(:getrusage, Cint, (Cint, Ptr{Int64}), 0, usage)   # RUSAGE_SELF
    return usage[9]            # ru_minflt
end
