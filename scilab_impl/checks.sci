// The Scilab port's checked inputs: every array and setting a task reads, checked once, with messages that name
// the array and what was expected (as every port's checks do), and converted to the layout the port computes in;
// the layers and the network then trust them. Part of the dispatcher (entry.sce, checks.sci, tasks.sci,
// kernels.sci: the same four files in every port, docs/porting.md).

// 0-based class labels (an N x 1 column of integers, as read) to 1-based doubles, one per column (1 x N),
// after a check that they are whole numbers 0..classes-1 (the fused step indexes with them unchecked).
function t = labels_of(t, classes)
    t = double(matrix(t, 1, -1));
    if or(t < 0 | t >= classes | t <> round(t)) then
        error(msprintf("labels must be whole numbers 0..%d", classes - 1));
    end
    t = t + 1;
endfunction

// Stops with a clear error when the task's input lacks one of `names`.
function require_inputs(inputs, names)
    for name = names
        if ~isfield(inputs, name) then
            error(msprintf("the input has no ''%s'' (this task needs %s)", name, strcat(names, ", ")));
        end
    end
endfunction

// The number config.txt gives for key, with a clear error when it is missing or not a number.
function value = setting(config, key)
    if ~isfield(config, key) then
        error(msprintf("config.txt has no ''%s''", key));
    end
    value = strtod(config(key));
    if isnan(value) then
        error(msprintf("config.txt: ''%s %s'' is not a number", key, config(key)));
    end
endfunction

// The variant a task runs (config key variant, docs/interchange.md): "layers", the book's layer objects (the
// default), or "fused", the inline step of fused.sci.
function variant = variant_of(config)
    variant = "layers";
    if isfield(config, "variant") then
        variant = config.variant;
    end
    if and(variant <> ["layers", "fused"]) then
        error(msprintf("unknown variant ''%s'' (expected layers or fused)", variant));
    end
endfunction

function params = param_inputs(inputs)
    require_inputs(inputs, PARAM_NAMES());
    params = struct("W1", inputs.W1, "b1", inputs.b1, "W2", inputs.W2, "b2", inputs.b2);
endfunction

// The training problem as this port holds it: images as doubles in [0, 1], labels and batch rows 1-based.
function data = load_training(inputs)
    require_inputs(inputs, ["W2", "x_train", "t_train", "x_test", "t_test", "batches"]);
    classes = size(inputs.W2, 1);
    rows = size(inputs.x_train, 2);
    batches = double(inputs.batches);
    if or(batches < 0 | batches >= rows) then
        error(msprintf("batch rows must be 0..%d", rows - 1));
    end
    data = struct("x_train", double(inputs.x_train) / 255, "x_test", double(inputs.x_test) / 255, ..
                  "t_train", labels_of(inputs.t_train, classes), "t_test", labels_of(inputs.t_test, classes), ..
                  "batches", batches + 1);  // B x I: the samples of step i are column i
endfunction

// The network's parameters added to a result, and their numbers of dimensions to ndim_of; model is a
// variant's (new_net).
function [result, ndim_of] = with_params(result, ndim_of, model)
    params = model_params(model);
    for name = PARAM_NAMES()
        result(name) = params(name);
    end
    ndim_of.W1 = 2; ndim_of.b1 = 1; ndim_of.W2 = 2; ndim_of.b2 = 1;
endfunction
