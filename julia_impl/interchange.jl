# The interchange format between the harness and the ports (docs/interchange.md), read and written with
# Base only: raw little-endian arrays NAME.bin plus manifest.txt, whose lines read
# `NAME DTYPE ORDER NDIM DIM1 ... DIMn` with the LOGICAL shape (as the Python reference holds the array).
#
# This port computes in the transposed layout (one sample per column), so:
#   reading  C, logical (a, b): the bytes read into a b×a matrix ARE the transpose (no copy);
#   reading  F, logical (a, b): read as a×b, then permutedims (the transpose);
#   writing  an m×n matrix: as logical shape `n m` with order C (the same bytes).
# In general an N-d array is held with its dimensions reversed. NDIM 0 is a scalar.

const MAGIC = "nnbench-interchange 1"
const NAME_RE = r"^[A-Za-z][A-Za-z0-9_]*$"

"The element type of a manifest DTYPE, or nothing."
dtype_type(name::AbstractString) =
    name == "float64" ? Float64 : name == "int64" ? Int64 : name == "uint8" ? UInt8 : nothing
dtype_name(::Type{Float64}) = "float64"
dtype_name(::Type{Int64}) = "int64"
dtype_name(::Type{UInt8}) = "uint8"

struct InterchangeError <: Exception
    msg::String
end
Base.showerror(io::IO, e::InterchangeError) = print(io, "InterchangeError: ", e.msg)

ENDIAN_BOM == 0x04030201 || error("this port reads little-endian files on little-endian machines only")

"The manifest's entries: (name, element type, order, logical shape)."
function read_manifest(folder::AbstractString)
    path = joinpath(folder, "manifest.txt")
    isfile(path) || throw(InterchangeError("$path is missing"))
    lines = [strip(ln) for ln in eachline(path)]
    lines = [ln for ln in lines if !isempty(ln) && !startswith(ln, "#")]
    (isempty(lines) || lines[1] != MAGIC) && throw(InterchangeError("$path: first line must be \"$MAGIC\""))
    entries = Tuple{String, DataType, Char, Vector{Int}}[]
    for ln in lines[2:end]
        parts = split(ln)
        bad() = throw(InterchangeError("$path: bad line \"$ln\""))
        length(parts) >= 4 || bad()
        name, dtype, order = String(parts[1]), parts[2], parts[3]
        ndim = tryparse(Int, parts[4])
        dims = [tryparse(Int, p) for p in parts[5:end]]
        (ndim === nothing || any(d -> d === nothing || d < 0, dims) || length(dims) != ndim) && bad()
        T = dtype_type(dtype)
        (T === nothing || !(order == "C" || order == "F") || !occursin(NAME_RE, name)) && bad()
        push!(entries, (name, T, order[1], Int[d for d in dims]))
    end
    return entries
end

"Reads one array, in the port's layout (its logical dimensions reversed); a scalar for NDIM 0."
function read_array(path::AbstractString, ::Type{T}, order::Char, shape::Vector{Int}) where {T}
    count = isempty(shape) ? 1 : prod(shape)   # (prod's init keyword is Julia 1.6+)
    isfile(path) || throw(InterchangeError("$path is missing"))
    filesize(path) == count * sizeof(T) ||
        throw(InterchangeError("$path: expected $count values of $(dtype_name(T)) ($(count * sizeof(T)) bytes), found $(filesize(path)) bytes"))
    if isempty(shape)
        return open(io -> read(io, T), path)
    end
    if order == 'C'
        return read!(path, Array{T}(undef, reverse(shape)...))      # C-order (a, b) is column-major (b, a)
    else
        a = read!(path, Array{T}(undef, shape...))                  # F-order: the logical array itself
        return ndims(a) == 1 ? a : permutedims(a, ndims(a):-1:1)
    end
end

"Every array named in the manifest, by name."
function read_arrays(folder::AbstractString)
    out = Dict{String, Any}()
    for (name, T, order, shape) in read_manifest(folder)
        out[name] = read_array(joinpath(folder, name * ".bin"), T, order, shape)
    end
    return out
end

"""Writes every array (scalars, vectors, matrices in the port's layout; by name, in the order of the names)
with order C and its logical shape, then the manifest last (so a folder with a manifest is complete). Values
are written as they are typed: Float64, Int64 or UInt8 (other reals are written as Float64)."""
function write_arrays(folder::AbstractString, arrays::AbstractDict)
    mkpath(folder)
    lines = [MAGIC]
    for name in sort!(collect(keys(arrays)))
        value = arrays[name]
        occursin(NAME_RE, name) || throw(InterchangeError("bad array name \"$name\""))
        a = value isa AbstractArray ? value : fill(value)
        T = eltype(a) in (Float64, Int64, UInt8) ? eltype(a) : Float64
        data = convert(Array{T}, a)
        write(joinpath(folder, name * ".bin"), data)
        logical = reverse(size(data))                     # column-major m×n is C-order n×m
        push!(lines, join([name, dtype_name(T), "C", string(length(logical)), string.(logical)...], " "))
    end
    tmp = joinpath(folder, "manifest.txt.tmp")
    write(tmp, join(lines, "\n") * "\n")
    mv(tmp, joinpath(folder, "manifest.txt"); force=true)
    return nothing
end

"KEY VALUE lines (config.txt, info.txt) as a Dict."
function parse_key_values(text::AbstractString)
    out = Dict{String, String}()
    for ln in split(text, '\n')
        ln = strip(ln)
        isempty(ln) && continue
        key, value = occursin(' ', ln) ? split(ln, ' '; limit=2) : (ln, "")
        out[String(key)] = String(strip(value))
    end
    return out
end

function read_config(folder::AbstractString)
    path = joinpath(folder, "config.txt")
    isfile(path) || throw(InterchangeError("$path is missing"))
    return parse_key_values(read(path, String))
end

"info.txt: KEY VALUE lines beside the arrays."
function write_info(folder::AbstractString, info)
    mkpath(folder)
    write(joinpath(folder, "info.txt"), join(("$k $v" for (k, v) in info), "\n") * "\n")
    return nothing
end
