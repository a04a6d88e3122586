# Plain SGD over a given mini-batch index sequence, so that every language replays the same one
# (python_impl/train.py).

"One training step: backprop, then params .-= lr .* grad in place. Returns the batch loss before the update."
function sgd_step(net::TwoLayerNet, x::Matrix{Float64}, t::AbstractVecOrMat, lr::Float64)
    L, grads = gradient(net, x, t)
    map((param, grad) -> (param .-= lr .* grad), net.params, grads)   # W1, b1, W2, b2 (unrolled over the tuple)
    return L
end

"""
    train_steps(net, x_train, t_train, batches, lr) -> (losses, step_times, gc_times, faults)

One step on each column of `batches` (1-based sample indices, one batch per column). Returns each step's batch
loss, its time (gradient + update, measured with the monotonic clock time_ns; the gather is not timed), the
part of that time Julia's garbage collector took (its own counter, Base.gc_time_ns) and the minor page faults
the step took (minor_faults).
`net` is a TwoLayerNet or a FusedNet (fused.jl): the step is its sgd_step method.
"""
function train_steps(net::Union{TwoLayerNet, FusedNet}, x_train::Matrix{Float64}, t_train::AbstractVector{<:Integer},
                     batches::AbstractMatrix{<:Integer}, lr::Float64)
    n = size(batches, 2)
    losses = Vector{Float64}(undef, n)
    step_times = Vector{Float64}(undef, n)
    gc_times = Vector{Float64}(undef, n)
    faults = Vector{Float64}(undef, n)
    x_batch = Matrix{Float64}(undef, size(x_train, 1), size(batches, 1))
    t_batch = Vector{eltype(t_train)}(undef, size(batches, 1))
    for i in 1:n
        idx = view(batches, :, i)
        x_batch .= view(x_train, :, idx)
        t_batch .= view(t_train, idx)
        gc_start, faults_start = Base.gc_time_ns(), minor_faults()
        start = time_ns()
        losses[i] = sgd_step(net, x_batch, t_batch, lr)
        step_times[i] = (time_ns() - start) / 1e9
        gc_times[i] = (Base.gc_time_ns() - gc_start) / 1e9
        faults[i] = minor_faults() - faults_start
    end
    return losses, step_times, gc_times, faults
end

"""This process's minor page faults so far (getrusage's ru_minflt): each one a page of memory the kernel maps, and
zeroes, the first time the process touches it. A step's count tells an allocation that reuses memory from one
that keeps taking new pages."""
function minor_faults()
    usage = zeros(Int64, 18)   # struct rusage: two timevals (4 longs), then 14 longs
    ccall(:getrusage, Cint, (Cint, Ptr{Int64}), 0, usage)   # RUSAGE_SELF
    return usage[9]            # ru_minflt
end

"""
    train(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress=nothing)

Trains on the samples batches[:, i] (1-based column indices; one batch per column) for i = 1 .. iters.
Records the batch loss, the time and the GC time of every step (train_steps) and the train/test accuracy after every
`eval_every` steps and after the last.
"""
function train(net::Union{TwoLayerNet, FusedNet}, x_train::Matrix{Float64}, t_train::AbstractVector{<:Integer},
               x_test::Matrix{Float64}, t_test::AbstractVector{<:Integer}, batches::AbstractMatrix{<:Integer},
               lr::Float64, eval_every::Integer, progress=nothing)
    iters = size(batches, 2)
    losses, step_times, gc_times, train_acc, test_acc = Float64[], Float64[], Float64[], Float64[], Float64[]
    for first in 1:eval_every:iters
        last = min(first + eval_every - 1, iters)
        chunk_losses, chunk_times, chunk_gc, _ = train_steps(net, x_train, t_train, view(batches, :, first:last), lr)
        append!(losses, chunk_losses)
        append!(step_times, chunk_times)
        append!(gc_times, chunk_gc)
        push!(train_acc, accuracy(net, x_train, t_train))
        push!(test_acc, accuracy(net, x_test, t_test))
        progress === nothing || progress(last)
    end
    return (loss=losses, step_times=step_times, gc_times=gc_times, train_acc=train_acc, test_acc=test_acc)
end
