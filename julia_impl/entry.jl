# The Julia port's entry point (python_impl/entry.py; the tasks are in docs/interchange.md):
#
#     julia --startup-file=no julia_impl/entry.jl TASK_FOLDER
#
# Reads TASK/config.txt and TASK/in/, writes TASK/out/ (the manifest last). On any error it prints one line
# `error: ...` to standard error and exits with code 1 (set NNBENCH_DEBUG=1 for the stack trace too).
# In-process callers (the juliacall transport) include this file and call JuliaImpl.run_task on arrays
# already in memory; the file-based `main` calls the same function. This file is the protocol: the command line,
# the worker loop and the one-line errors, and the module's root; it runs a request's task (tasks.jl, on inputs
# checked by checks.jl, timed by kernels.jl) and writes the results.
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
include("checks.jl")
include("kernels.jl")
include("tasks.jl")

# --- BLAS threads, set from the config (info.jl reads them back) ------------------------------------------
function set_blas_threads(n::Integer)
    n >= 1 || throw(TaskError("threads must be at least 1, got $n"))
    BLAS.set_num_threads(n)
    return nothing
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

const STATE = State()  # what the worker tasks keep between requests (tasks.jl)

"""Runs the task named by config["task"] on the worker's state: (the result arrays by name, the info lines:
key => value pairs, empty but for `info`)."""
function dispatch_task(config::Dict{String, String}, inputs::Dict{String, Any})
    haskey(config, "threads") && set_blas_threads(setting(config, "threads", Int))
    task = setting(config, "task", String)
    f = get(TASKS, task, nothing)
    f === nothing && throw(TaskError("unknown task '$task' ($(join(sort!(collect(keys(TASKS))), ", ")))"))
    # A dynamic call: each task is compiled when it runs, not all of them with dispatch_task.
    results, state = Base.invokelatest(f, config, inputs, STATE)
    state === STATE || (empty!(STATE); merge!(STATE, state))
    info = pop!(results, "info", Pair{String, String}[])
    return results, info
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
