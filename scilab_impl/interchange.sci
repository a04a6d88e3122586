// The interchange format between the harness and every port (docs/interchange.md), read and written with
// mopen/mget/mput: raw little-endian arrays plus a plain-text manifest (NAME DTYPE ORDER NDIM DIMS...).
// read_arrays and write_arrays are named as in every port.
//
// Variable names here avoid those of Scilab functions (lines, file, ndims, ...): Scilab scopes dynamically,
// so a caller's variable hides a function of that name from every macro it calls (in Scilab 2024, modulo()
// fails when a caller holds a variable named ndims).
//
// Scilab is column-major. A C-order (row-major) array of logical shape (a, b) is read into a b x a matrix:
// its transpose, with no copy, which is the one-sample-per-column layout the port computes in. A 1-D array
// of n values becomes an n x 1 column, a 0-D array a scalar. Writing is the reverse: an r x c matrix is
// written as C-order (c, r), an r x 1 column as 1-D (r), a scalar as 0-D. Where the shape alone is
// ambiguous (a one-element vector, a one-column matrix) the writer is told the number of dimensions.

function magic = INTERCHANGE_MAGIC()
    magic = "nnbench-interchange 1";
endfunction

// mget/mput formats (little-endian) and element sizes of the manifest's dtypes.
function [fmt, nbytes] = interchange_format(dtype)
    select dtype
    case "float64" then
        fmt = "dl"; nbytes = 8;
    case "int64" then
        fmt = "ll"; nbytes = 8;
    case "uint8" then
        fmt = "ucl"; nbytes = 1;
    else
        error(msprintf("interchange: unknown dtype %s", dtype));
    end
endfunction

// Reads every array named in folder/manifest.txt into a struct (field = array name): float64 arrays as
// doubles, int64 and uint8 arrays as Scilab integers of those types;
// ndim_of(name) is each array's logical number of dimensions (0, 1 or 2).
function [arrays, ndim_of] = read_arrays(folder)
    path = folder + "/manifest.txt";
    if ~isfile(path) then
        error(msprintf("interchange: %s is missing", path));
    end
    text = stripblanks(mgetl(path));
    text = text(text <> "");
    if text == [] | text(1) <> INTERCHANGE_MAGIC() then
        error(msprintf("interchange: %s: first line must be ''%s''", path, INTERCHANGE_MAGIC()));
    end
    arrays = struct();
    ndim_of = struct();
    for k = 2:size(text, "*")
        if part(text(k), 1) == "#" then
            continue
        end
        parts = tokens(text(k), " ");
        if size(parts, "*") < 4 then
            error(msprintf("interchange: %s: bad line ''%s''", path, text(k)));
        end
        name = parts(1);
        order = parts(3);
        nd = strtod(parts(4));
        dims = strtod(parts(5:$))';
        if size(dims, "*") <> nd | or(isnan(dims)) | or(dims < 0) | and(order <> ["C", "F"]) then
            error(msprintf("interchange: %s: bad line ''%s''", path, text(k)));
        end
        [fmt, nbytes] = interchange_format(parts(2));
        count = prod(dims);  // prod([]) is 1: a 0-D array holds one value
        bin_file = folder + "/" + name + ".bin";
        if ~isfile(bin_file) | fileinfo(bin_file)(1) <> count * nbytes then
            error(msprintf("interchange: %s: expected %d values of %s", bin_file, count, parts(2)));
        end
        values = [];
        if count > 0 then
            fd = mopen(bin_file, "rb");
            if fmt == "dl" then
                values = mget(count, fmt, fd);
            else
                values = mgeti(count, fmt, fd);  // int64 and uint8 stay integers (MNIST: 47 MB, not 376)
            end
            mclose(fd);
        end
        if nd == 0 then
            value = values;
        elseif nd == 1 then
            value = matrix(values, count, 1);
        elseif nd == 2 & order == "C" then
            value = matrix(values, dims(2), dims(1));  // the transpose of the logical (a, b), no copy
        elseif nd == 2 then
            value = matrix(values, dims(1), dims(2))';  // F order: the logical matrix, transposed
        else
            error(msprintf("interchange: %s: %d dimensions are not supported", name, nd));
        end
        arrays(name) = value;
        ndim_of(name) = nd;
    end
endfunction

// Writes the fields of a struct of double arrays as float64, then the manifest last.
// ndim_of (optional): a struct giving the logical number of dimensions (0, 1 or 2) of some of the arrays;
// the others are 0-D if they hold one value, 1-D if they are one column, 2-D otherwise.
function write_arrays(folder, arrays, ndim_of)
    if argn(2) < 3 then
        ndim_of = struct();
    end
    mkdir(folder);
    text = INTERCHANGE_MAGIC();
    names = fieldnames(arrays);
    for k = 1:size(names, "*")
        name = names(k);
        value = double(arrays(name));
        [r, c] = size(value);
        if isfield(ndim_of, name) then
            nd = ndim_of(name);
        elseif r * c == 1 then
            nd = 0;
        elseif c == 1 | r * c == 0 then
            nd = 1;
        else
            nd = 2;
        end
        if nd == 0 & r * c == 1 then
            shape = "0";
        elseif nd == 1 & (c == 1 | r == 1 | r * c == 0) then
            shape = msprintf("1 %d", r * c);
        elseif nd == 2 then
            shape = msprintf("2 %d %d", c, r);
        else
            error(msprintf("interchange: %s: a %d x %d matrix cannot be written as %d-D", name, r, c, nd));
        end
        fd = mopen(folder + "/" + name + ".bin", "wb");
        if r * c > 0 then
            mput(value(:), "dl", fd);
        end
        mclose(fd);
        text($ + 1) = name + " float64 C " + shape;
    end
    mputl(text, folder + "/manifest.txt");
endfunction

// "KEY VALUE" lines (config.txt, info.txt) into a struct of strings.
function values = read_key_values(path)
    values = struct();
    text = stripblanks(mgetl(path));
    for k = 1:size(text, "*")
        if text(k) == "" then
            continue
        end
        key = strtok(text(k), " ");
        values(key) = stripblanks(part(text(k), length(key) + 1:length(text(k))));
    end
endfunction

function config = read_config(folder)
    config = read_key_values(folder + "/config.txt");
endfunction
