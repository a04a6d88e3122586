// The Scilab port's entry point (tasks in docs/interchange.md):
//     scilab-cli -nb -nouserstartup -f scilab_impl/entry.sce -args TASK_FOLDER    (one task)
//     scilab-cli -nb -nouserstartup -f scilab_impl/entry.sce -args --worker       (a worker: requests on stdin)
// Mirrors python_impl/entry.py. Inputs arrive one sample per column (the transpose of the Python arrays);
// class labels and mini-batch rows arrive 0-based and become 1-based here, once. The training tasks run the
// variant the config names (docs/porting.md): the book's layers (two_layer_net.sci, train.sci) or the fused step
// (fused.sci).

funcprot(0);

// 0-based class labels (an N x 1 column of integers, as read) to 1-based doubles, one per column (1 x N),
// after a check that they are whole numbers 0..classes-1 (the fused step indexes with them unchecked).
function t = labels_row(t, classes)
    t = double(matrix(t, 1, -1));
    if or(t < 0 | t >= classes | t <> round(t)) then
        error(msprintf("labels must be whole numbers 0..%d", classes - 1));
    end
    t = t + 1;
endfunction

// Stops with a clear error when the task's input lacks one of `names`.
function need_inputs(inputs, names)
    for name = names
        if ~isfield(inputs, name) then
            error(msprintf("the input has no ''%s'' (this task needs %s)", name, strcat(names, ", ")));
        end
    end
endfunction

// The variant a task runs (config key variant, docs/interchange.md): "layers", the book's layer objects (the
// default), or "fused", the inline step of fused.sci.
function variant = config_variant(config)
    variant = "layers";
    if isfield(config, "variant") then
        variant = config.variant;
    end
    if and(variant <> ["layers", "fused"]) then
        error(msprintf("unknown variant ''%s'' (expected layers or fused)", variant));
    end
endfunction

function params = param_inputs(inputs)
    need_inputs(inputs, PARAM_NAMES());
    params = struct("W1", inputs.W1, "b1", inputs.b1, "W2", inputs.W2, "b2", inputs.b2);
endfunction

function result = task_info(out_dir)
    mkdir(out_dir);
    mputl(port_info(), out_dir + "/info.txt");
    result = struct();
endfunction

function E = perceptron_loss_b(b, W, X, Y)
    E = perceptron_loss(W, b, X, Y);
endfunction

function [result, ndim_of] = task_grad(config, inputs, ndim_of, out_dir)
    need_inputs(inputs, ["x", "t"]);
    x = inputs.x;
    t = inputs.t;
    numerical = isfield(config, "numerical") & config.numerical == "1";
    if config.model == "perceptron" then
        need_inputs(inputs, ["W", "b"]);
        W = inputs.W;
        b = inputs.b;
        t = matrix(t, 1, -1);
        if numerical then
            result = struct("loss", perceptron_loss(W, b, x, t), ..
                            "W", numerical_gradient(list(perceptron_loss, b, x, t), W), ..
                            "b", numerical_gradient(list(perceptron_loss_b, W, x, t), b));
        else
            [E, dW, db] = perceptron_gradient(W, b, x, t);
            result = struct("loss", E, "W", dW, "b", db);
        end
        return
    end
    if ndim_of.t == 1 then
        t = labels_row(t, size(inputs.W2, 1));
    end
    net = TwoLayerNet(param_inputs(inputs));
    if numerical then
        grads = TwoLayerNet_numerical_gradient(net, x, t);
        result = struct("loss", TwoLayerNet_loss(net, x, t));
    else
        [L, grads] = TwoLayerNet_gradient(net, x, t);
        result = struct("loss", L);
    end
    for name = PARAM_NAMES()
        result(name) = grads(name);
    end
endfunction

function result = task_layers(config, g, ndim_of, out_dir)
    result = struct();
    layer = MatMul(g.matmul_W);
    [result.matmul_out, layer] = MatMul_forward(layer, g.matmul_x);
    [result.matmul_dx, layer] = MatMul_backward(layer, g.matmul_dout);
    result.matmul_dW = layer.dW;
    layer = Add();
    result.add_out = Add_forward(layer, g.add_x, g.add_y);
    [result.add_dx, result.add_dy] = Add_backward(layer, g.add_dout);
    layer = Mul();
    [result.mul_out, layer] = Mul_forward(layer, g.mul_x, g.mul_y);
    [result.mul_dx, result.mul_dy] = Mul_backward(layer, g.mul_dout);
    layer = Relu();
    [result.relu_out, layer] = Relu_forward(layer, g.relu_x);
    result.relu_dx = Relu_backward(layer, g.relu_dout);
    layer = Sigmoid();
    [result.sigmoid_out, layer] = Sigmoid_forward(layer, g.sigmoid_x);
    result.sigmoid_dx = Sigmoid_backward(layer, g.sigmoid_dout);
    layer = Affine(g.affine_W, g.affine_b);
    [result.affine_out, layer] = Affine_forward(layer, g.affine_x);
    [result.affine_dx, layer] = Affine_backward(layer, g.affine_dout);
    result.affine_dW = layer.dW;
    result.affine_db = layer.db;
    layer = SoftmaxWithLoss();
    [result.softmax_loss, layer] = SoftmaxWithLoss_forward(layer, g.softmax_x, g.softmax_t);
    result.softmax_dx = SoftmaxWithLoss_backward(layer, 1);
endfunction

function [result, ndim_of] = task_perceptron(config, inputs, ndim_of, out_dir)
    epochs = strtod(config.epochs);
    lr = strtod(config.lr);
    repeats = strtod(config.repeats);
    need_inputs(inputs, ["x", "y", "W", "b"]);
    x = inputs.x;
    y = matrix(inputs.y, 1, -1);
    W0 = inputs.W;
    b0 = inputs.b;
    train_fn = perceptron_train;
    if config_variant(config) == "fused" then
        train_fn = fused_perceptron_train;
    end
    times = zeros(repeats, 1);
    tic();
    [W, b, losses, solved] = train_fn(W0, b0, x, y, epochs, lr);
    first = wall_toc();
    for r = 1:repeats
        tic();
        [W, b, losses, solved] = train_fn(W0, b0, x, y, epochs, lr);
        times(r) = wall_toc();
    end
    result = struct("W", W, "b", b, "losses", losses, "solved_epoch", solved, "first_time", first, "times", times);
    ndim_of = struct("W", 1, "b", 0, "losses", 1, "solved_epoch", 0, "first_time", 0, "times", 1);
endfunction

function progress(i, iters)
    mprintf("progress %d %d\n", i, iters);
endfunction

// The training problem as this port holds it: images as doubles in [0, 1], labels and batch rows 1-based.
function data = load_training(inputs)
    need_inputs(inputs, ["W2", "x_train", "t_train", "x_test", "t_test", "batches"]);
    classes = size(inputs.W2, 1);
    rows = size(inputs.x_train, 2);
    batches = double(inputs.batches);
    if or(batches < 0 | batches >= rows) then
        error(msprintf("batch rows must be 0..%d", rows - 1));
    end
    data = struct("x_train", double(inputs.x_train) / 255, "x_test", double(inputs.x_test) / 255, ..
                  "t_train", labels_row(inputs.t_train, classes), "t_test", labels_row(inputs.t_test, classes), ..
                  "batches", batches + 1);  // B x I: the samples of step i are column i
endfunction

// The network's parameters added to a result, and their numbers of dimensions to ndim_of; model is a
// variant's (variant_model).
function [result, ndim_of] = with_params(result, ndim_of, model)
    params = model_params(model);
    for name = PARAM_NAMES()
        result(name) = params(name);
    end
    ndim_of.W1 = 2; ndim_of.b1 = 1; ndim_of.W2 = 2; ndim_of.b2 = 1;
endfunction

function [result, ndim_of] = task_train(config, inputs, ndim_of, out_dir)
    [model, step_fn] = variant_model(param_inputs(inputs), config_variant(config));
    data = load_training(inputs);
    [result, model] = train(model, step_fn, data.x_train, data.t_train, data.x_test, data.t_test, data.batches, ..
                            strtod(config.lr), strtod(config.eval_every), progress);
    ndim_of = struct("loss", 1, "step_times", 1, "train_acc", 1, "test_acc", 1);
    [result, ndim_of] = with_params(result, ndim_of, model);
endfunction

// One training step timed alone: in a fresh process, the first call.
function [result, ndim_of] = task_first_step(config, inputs)
    need_inputs(inputs, ["x", "t"]);
    [model, step_fn] = variant_model(param_inputs(inputs), config_variant(config));
    t = labels_row(inputs.t, size(inputs.W2, 1));
    tic();
    [L, model] = step_fn(model, inputs.x, t, strtod(config.lr));
    result = struct("first_step", wall_toc());
    [result, ndim_of] = with_params(result, struct("first_step", 0), model);
endfunction

// What a begin request (train_begin, bench_begin) holds under the name key, with a clear error when it did not
// come first (asking: the request and its variant, or its case, for the message).
function held = held_run(state, key, asking, begin)
    if ~isfield(state, key) | typeof(state(key)) <> "st" then
        error(msprintf("%s before %s: nothing is held", asking, begin));
    end
    held = state(key);
endfunction

// The name a held training run of a variant is kept under in the worker's state: a worker holds one run of
// each variant at a time.
function key = train_key(variant)
    key = "train_" + variant;
endfunction

// Holds the model (the variant's: a layered net or the fused step's parameters), the data and the batch
// sequence for the train_steps requests that follow; first (0 unless given) is the number of steps already
// done, when a new worker takes over a run from another.
function [result, ndim_of, state] = task_train_begin(config, inputs, state)
    variant = config_variant(config);
    held = load_training(inputs);
    [model, step_fn] = variant_model(param_inputs(inputs), variant);
    held.model = model;
    held.step_fn = step_fn;
    held.lr = strtod(config.lr);
    held.done = 0;
    if isfield(config, "first") then
        held.done = strtod(config.first);
    end
    state(train_key(variant)) = held;
    result = struct();
    ndim_of = struct();
endfunction

// Steps first+1 .. first+steps of the held training run of the variant (first is 0-based); the accuracies too
// with evaluate 1.
function [result, ndim_of, state] = task_train_steps(config, state)
    variant = config_variant(config);
    held = held_run(state, train_key(variant), "train_steps (variant " + variant + ")", ..
                    "train_begin (variant " + variant + ")");
    first = strtod(config.first);
    steps = strtod(config.steps);
    iters = size(held.batches, 2);
    if first <> held.done | steps < 1 | first + steps > iters then
        error(msprintf("steps %d..%d do not follow the %d done (of %d)", first, first + steps - 1, held.done, iters));
    end
    [losses, step_times, model] = train_steps(held.model, held.step_fn, held.x_train, held.t_train, ..
                                              held.batches(:, first + 1:first + steps), held.lr);
    held.model = model;
    held.done = first + steps;
    result = struct("loss", losses, "step_times", step_times);
    ndim_of = struct("loss", 1, "step_times", 1);
    if isfield(config, "evaluate") & config.evaluate == "1" then
        result.train_acc = model_accuracy(model, held.x_train, held.t_train);
        result.test_acc = model_accuracy(model, held.x_test, held.t_test);
        ndim_of.train_acc = 0;
        ndim_of.test_acc = 0;
    end
    state(train_key(variant)) = held;
endfunction

// The trained parameters of the variant's held run; the run is dropped.
function [result, ndim_of, state] = task_train_end(config, state)
    variant = config_variant(config);
    held = held_run(state, train_key(variant), "train_end (variant " + variant + ")", ..
                    "train_begin (variant " + variant + ")");
    state(train_key(variant)) = [];  // dropped (Scilab structs have no rmfield)
    [result, ndim_of] = with_params(struct(), struct(), held.model);
endfunction

// Holds one case's parameters, batch and variant, under the name config.case_id, for the bench_round requests
// that follow.
function [result, ndim_of, state] = task_bench_begin(config, inputs, state)
    need_inputs(inputs, ["x", "t"]);
    state("bench_" + config.case_id) = struct("params", param_inputs(inputs), "x", inputs.x, "t", labels_row(inputs.t, size(inputs.W2, 1)), ..
                         "lr", strtod(config.lr), "variant", config_variant(config));
    result = struct();
    ndim_of = struct();
endfunction

// One round of the held case config.case_id, with its variant's step: from its parameters, warmup untimed
// steps then inner timed steps (step_time, per step); then the step's six matrix products alone, warmup times
// untimed and inner times timed (blas_time, per step). With verify 1, also what they computed: the parameters
// after the steps, and the six products.
function [result, ndim_of] = task_bench_round(config, state)
    held = held_run(state, "bench_" + config.case_id, "bench_round of case " + config.case_id, "bench_begin");
    if isfield(config, "variant") & config_variant(config) <> held.variant then
        error(msprintf("case %s is held with variant %s, not %s", config.case_id, held.variant, config.variant));
    end
    warmup = strtod(config.warmup);
    inner = strtod(config.inner);
    x = held.x;
    t = held.t;
    lr = held.lr;
    [model, step_fn] = variant_model(held.params, held.variant);
    for k = 1:warmup
        [L, model] = step_fn(model, x, t, lr);
    end
    tic();
    for k = 1:inner
        [L, model] = step_fn(model, x, t, lr);
    end
    step_time = wall_toc() / inner;
    // The six products with the step's shapes (one sample per column, so each is the transpose of the
    // Python product): forward W1*x, W2*h; backward W2'*dy, dy*h', W1'*dh, dh*x'.
    W1 = held.params.W1;
    W2 = held.params.W2;
    h = W1 * x;
    dy = W2 * h;
    dh = W2' * dy;
    for k = 1:warmup
        p1 = W1 * x; p2 = W2 * h; p3 = W2' * dy; p4 = dy * h'; p5 = W1' * dh; p6 = dh * x';
    end
    tic();
    for k = 1:inner
        p1 = W1 * x; p2 = W2 * h; p3 = W2' * dy; p4 = dy * h'; p5 = W1' * dh; p6 = dh * x';
    end
    blas_time = wall_toc() / inner;
    result = struct("step_time", step_time, "blas_time", blas_time);
    ndim_of = struct("step_time", 0, "blas_time", 0);
    if isfield(config, "verify") & config.verify == "1" then
        [result, ndim_of] = with_params(result, ndim_of, model);
        products = struct("p_xW1", h, "p_hW2", dy, "p_dyW2t", dh, "p_htdy", dy * h', "p_dhW1t", W1' * dh, ..
                          "p_xtdh", dh * x');
        for name = fieldnames(products)'
            result(name) = products(name);
            ndim_of(name) = 2;
        end
    end
endfunction

// Runs a task folder: reads config.txt and in/, writes out/ (the manifest last). `state` is what a worker's
// tasks hold between requests (a training run, a benchmark case); the updated state is returned.
function state = run_folder(task_dir, state)
    config = read_config(task_dir);
    inputs = struct();
    ndim_of = struct();
    if isfile(task_dir + "/in/manifest.txt") then
        [inputs, ndim_of] = read_arrays(task_dir + "/in");
    end
    out_dir = task_dir + "/out";
    out_ndim_of = ndim_of;
    if ~isfield(config, "task") then
        error("config.txt has no task line");
    end
    select config.task
    case "noop" then
        result = struct();
    case "info" then
        result = task_info(out_dir);
    case "grad" then
        result = task_grad(config, inputs, ndim_of, out_dir);
    case "layers" then
        result = task_layers(config, inputs, ndim_of, out_dir);
    case "perceptron" then
        [result, out_ndim_of] = task_perceptron(config, inputs, ndim_of, out_dir);
    case "train" then
        [result, out_ndim_of] = task_train(config, inputs, ndim_of, out_dir);
    case "first_step" then
        [result, out_ndim_of] = task_first_step(config, inputs);
    case "train_begin" then
        [result, out_ndim_of, state] = task_train_begin(config, inputs, state);
    case "train_steps" then
        [result, out_ndim_of, state] = task_train_steps(config, state);
    case "train_end" then
        [result, out_ndim_of, state] = task_train_end(config, state);
    case "bench_begin" then
        [result, out_ndim_of, state] = task_bench_begin(config, inputs, state);
    case "bench_round" then
        [result, out_ndim_of] = task_bench_round(config, state);
    else
        error("unknown task " + config.task);
    end
    write_arrays(out_dir, result, out_ndim_of);
endfunction

// The last error as one line, with where it happened.
function s = last_error()
    [msg, n, line, func] = lasterror();
    place = "";
    if func <> "" & line > 0 then
        place = msprintf(" (in %s, line %d)", func, line);
    end
    s = strcat(stripblanks(msg), " ") + place;
endfunction

// Worker mode: "run TASK_FOLDER" lines on standard input, one answer line each on standard output.
function serve()
    state = struct();
    mprintf("nnbench-ready\n");
    while %t
        line = mgetl(%io(1), 1);
        if line == [] then
            break
        end
        line = stripblanks(line);
        if line == "quit" then
            break
        elseif line == "" then
            continue
        end
        try
            if part(line, 1:4) <> "run " then
                error(msprintf("unknown request ''%s'' (expected: run TASK_FOLDER, or quit)", line));
            end
            state = run_folder(stripblanks(part(line, 5:length(line))), state);
            mprintf("nnbench-done\n");
        catch
            mprintf("nnbench-error %s\n", last_error());
        end
    end
endfunction

try
    __here = get_absolute_file_path("entry.sce");
    for __file = ["layers", "gradient", "perceptron", "two_layer_net", "train", "fused", "interchange", "info"]
        exec(__here + __file + ".sci", -1);
    end
    __args = sciargs();
    __k = find(__args == "-args");
    if __k == [] | __k == size(__args, "*") then
        error("usage: scilab-cli -nb -nouserstartup -f scilab_impl/entry.sce -args TASK_FOLDER|--worker");
    end
    if __args(__k + 1) == "--worker" then
        serve();
    else
        run_folder(__args(__k + 1), struct());
    end
catch
    mfprintf(0, "error: %s\n", last_error());
    exit(1);
end
exit(0);
