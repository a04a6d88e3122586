# The `info` task's facts about this process (docs/interchange.md): Julia's version, the BLAS library actually
# loaded, the thread count actually in force and the clock the timings use. Apart from the dispatcher
# (entry.jl) and from the maths; Base, LinearAlgebra and Libdl only.
#
# The thread count is read from the library: OpenBLAS's openblas_get_num_threads, called with ccall (Julia 1.5
# has no BLAS.get_num_threads; where OpenBLAS cannot be found, BLAS.get_num_threads of Julia 1.6+ is asked).

using LinearAlgebra, Libdl

"(description, library path, symbol suffix) of the BLAS in use: Julia ≤ 1.6 calls OpenBLAS directly,
Julia 1.7+ through libblastrampoline (BLAS.get_config)."
function blas_library()
    if isdefined(BLAS, :get_config)
        libs = BLAS.get_config().loaded_libs
        lib = something(findfirst(l -> occursin("openblas", lowercase(basename(l.libname))), libs), 1)
        l = libs[lib]
        return "libblastrampoline -> $(basename(l.libname)) ($(l.interface))", l.libname, l.suffix
    end
    vendor = string(BLAS.vendor())
    path = Libdl.dlpath(Base.libblas_name)
    return vendor, path, vendor == "openblas64" ? "64_" : ""
end

"The address of OpenBLAS's `openblas_<name><suffix>`, or C_NULL when it is not there."
function openblas_symbol(path::String, suffix::String, name::String)
    handle = Libdl.dlopen(path; throw_error=false)
    handle === nothing && return C_NULL
    f = Libdl.dlsym(handle, "openblas_" * name * suffix; throw_error=false)
    return f === nothing ? C_NULL : f
end

"An OpenBLAS function returning a C string, called; `missing` when it is not there."
function openblas_string(path::String, suffix::String, name::String)
    f = openblas_symbol(path, suffix, name)
    return f == C_NULL ? missing : unsafe_string(ccall(f, Ptr{UInt8}, ()))
end

"(the BLAS thread count actually in force, where it was read): from OpenBLAS itself where it can be found."
function blas_threads()
    _, path, suffix = blas_library()
    f = openblas_symbol(path, suffix, "get_num_threads")
    f == C_NULL || return (Int(ccall(f, Cint, ())), "library: openblas_get_num_threads$suffix(), called with ccall")
    isdefined(BLAS, :get_num_threads) && return (BLAS.get_num_threads(), "library: BLAS.get_num_threads()")
    return (-1, "unknown: no openblas_get_num_threads in $path, and no BLAS.get_num_threads in Julia $VERSION")
end

"The CPU Julia compiles its code for: the -C/--cpu-target it was started with, or `native` (the host's CPU as
Julia's LLVM knows it: `generic` when LLVM does not know it, with no AVX)."
function cpu_target()
    target = Base.JLOptions().cpu_target
    return target == C_NULL ? "native" : unsafe_string(target)
end

"The info task's KEY => VALUE pairs: version, blas, blas_core, blas_threads, blas_threads_source, clock, and
what else a reader of the results may want to know about this Julia."
function port_info()
    what, path, suffix = blas_library()
    cfg = coalesce(openblas_string(path, suffix, "get_config"), "no openblas_get_config: not OpenBLAS?")
    cfg = strip(replace(cfg, r"\s+" => " "))
    core = coalesce(openblas_string(path, suffix, "get_corename"), "unknown")
    threads, source = blas_threads()
    return [
        "version" => "Julia $VERSION",
        "blas" => "$what: $cfg; core $core; $path",
        "blas_threads" => string(threads),
        "blas_threads_source" => source,
        "blas_core" => core,
        "blas_config" => cfg,
        "clock" => "time_ns (monotonic: libuv's uv_hrtime, CLOCK_MONOTONIC, in nanoseconds)",
        "openblas_coretype_env" => get(ENV, "OPENBLAS_CORETYPE", "(unset)"),
        "cpu" => Sys.CPU_NAME,
        "cpu_target" => cpu_target(),
        "julia_threads" => string(Threads.nthreads()),
        "julia_bindir" => Sys.BINDIR,
    ]
end
