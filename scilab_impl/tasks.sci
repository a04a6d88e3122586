// The Scilab port's tasks (docs/interchange.md), each with the same signature:
//     [result, ndim_of, state] = task_NAME(config, inputs, ndim_of, state)
// the request's configuration and inputs (with each input's number of dimensions, ndim_of: Scilab's matrices do
// not carry it), the worker's state (held training runs and bench cases) -> the results by name, their numbers of
// dimensions, and the state. A task that keeps nothing hands the state back as it came. Part of the dispatcher
// (entry.sce, checks.sci, tasks.sci, kernels.sci: the same four files in every port, docs/porting.md).

// No arrays; the facts of info.sci, which the protocol writes to out/info.txt.
function [result, ndim_of, state] = task_info(config, inputs, ndim_of, state)
    result = struct("info", port_info());
endfunction

function E = perceptron_loss_b(b, W, X, Y)
    E = perceptron_loss(W, b, X, Y);
endfunction

function [result, ndim_of, state] = task_grad(config, inputs, ndim_of, state)
    require_inputs(inputs, ["x", "t"]);
    x = inputs.x;
    t = inputs.t;
    numerical = isfield(config, "numerical") & config.numerical == "1";
    if config.model == "perceptron" then
        require_inputs(inputs, ["W", "b"]);
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
        t = labels_of(t, size(inputs.W2, 1));
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

function [result, ndim_of, state] = task_layers(config, inputs, ndim_of, state)
    g = inputs;
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

function [result, ndim_of, state] = task_perceptron(config, inputs, ndim_of, state)
    epochs = setting(config, "epochs");
    lr = setting(config, "lr");
    repeats = setting(config, "repeats");
    require_inputs(inputs, ["x", "y", "W", "b"]);
    x = inputs.x;
    y = matrix(inputs.y, 1, -1);
    W0 = inputs.W;
    b0 = inputs.b;
    train_fn = perceptron_train;
    if variant_of(config) == "fused" then
        train_fn = fused_perceptron_train;
    end
    [W, b, losses, solved, first, times] = time_runs(train_fn, W0, b0, x, y, epochs, lr, repeats);
    result = struct("W", W, "b", b, "losses", losses, "solved_epoch", solved, "first_time", first, "times", times);
    ndim_of = struct("W", 1, "b", 0, "losses", 1, "solved_epoch", 0, "first_time", 0, "times", 1);
endfunction


// The whole training run in one request, as the worker tasks run it (the one training driver): train_begin,
// train_steps in chunks of eval_every steps, each evaluated and reported as progress, then train_end; on a state
// of its own, so that a worker's held runs are left alone.
function [result, ndim_of, state] = task_train(config, inputs, ndim_of, state)
    eval_every = setting(config, "eval_every");
    if ~(eval_every >= 1) then
        error("eval_every must be at least 1");
    end
    request = config;
    request.first = "0";
    [chunk, chunk_ndim, run] = task_train_begin(request, inputs, ndim_of, struct());
    iters = size(run(train_key(variant_of(config))).batches, 2);
    result = struct("loss", [], "step_times", [], "train_acc", [], "test_acc", []);
    for first = 0:eval_every:iters - 1
        steps = min(eval_every, iters - first);
        request.first = string(first);
        request.steps = string(steps);
        request.evaluate = "1";
        [chunk, chunk_ndim, run] = task_train_steps(request, inputs, ndim_of, run);
        for name = ["loss", "step_times", "train_acc", "test_acc"]
            result(name) = [result(name); chunk(name)(:)];
        end
        mprintf("progress %d %d\n", first + steps, iters);
    end
    [params, params_ndim, run] = task_train_end(config, inputs, ndim_of, run);
    ndim_of = struct("loss", 1, "step_times", 1, "train_acc", 1, "test_acc", 1);
    for name = PARAM_NAMES()
        result(name) = params(name);
        ndim_of(name) = params_ndim(name);
    end
endfunction

// One training step timed alone: in a fresh process, the first call.
function [result, ndim_of, state] = task_first_step(config, inputs, ndim_of, state)
    require_inputs(inputs, ["x", "t"]);
    [model, step_fn] = new_net(param_inputs(inputs), variant_of(config));
    t = labels_of(inputs.t, size(inputs.W2, 1));
    tic();
    [L, model] = step_fn(model, inputs.x, t, setting(config, "lr"));
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
function [result, ndim_of, state] = task_train_begin(config, inputs, ndim_of, state)
    variant = variant_of(config);
    held = load_training(inputs);
    [model, step_fn] = new_net(param_inputs(inputs), variant);
    held.model = model;
    held.step_fn = step_fn;
    held.lr = setting(config, "lr");
    held.done = 0;
    if isfield(config, "first") then
        held.done = setting(config, "first");
    end
    state(train_key(variant)) = held;
    result = struct();
    ndim_of = struct();
endfunction

// Steps first+1 .. first+steps of the held training run of the variant (first is 0-based); the accuracies too
// with evaluate 1.
function [result, ndim_of, state] = task_train_steps(config, inputs, ndim_of, state)
    variant = variant_of(config);
    held = held_run(state, train_key(variant), "train_steps (variant " + variant + ")", ..
                    "train_begin (variant " + variant + ")");
    first = setting(config, "first");
    steps = setting(config, "steps");
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

// config.steps steps on a copy of the held model, on the run's batches from its first on (from the first
// again past the last), each timed; the held run does not advance. A fresh process's first steps, run
// before its share of the run (docs/measurement.md).
function [result, ndim_of, state] = task_train_warmup(config, inputs, ndim_of, state)
    variant = variant_of(config);
    held = held_run(state, train_key(variant), "train_warmup (variant " + variant + ")", ..
                    "train_begin (variant " + variant + ")");
    steps = setting(config, "steps");
    if steps < 1 then
        error("steps must be at least 1");
    end
    warm = held.batches(:, modulo(0:steps - 1, size(held.batches, 2)) + 1);
    [losses, step_times] = train_steps(held.model, held.step_fn, held.x_train, held.t_train, warm, held.lr);
    result = struct("step_times", step_times);
    ndim_of = struct("step_times", 1);
endfunction

// The trained parameters of the variant's held run; the run is dropped.
function [result, ndim_of, state] = task_train_end(config, inputs, ndim_of, state)
    variant = variant_of(config);
    held = held_run(state, train_key(variant), "train_end (variant " + variant + ")", ..
                    "train_begin (variant " + variant + ")");
    state(train_key(variant)) = [];  // dropped (Scilab structs have no rmfield)
    [result, ndim_of] = with_params(struct(), struct(), held.model);
endfunction

// Holds one case's parameters, batch and variant, under the name config.case_id, for the bench_round requests
// that follow.
function [result, ndim_of, state] = task_bench_begin(config, inputs, ndim_of, state)
    require_inputs(inputs, ["x", "t"]);
    state("bench_" + config.case_id) = struct("params", param_inputs(inputs), "x", inputs.x, "t", labels_of(inputs.t, size(inputs.W2, 1)), ..
                         "lr", setting(config, "lr"), "variant", variant_of(config));
    result = struct();
    ndim_of = struct();
endfunction

// One round of the held case config.case_id, with its variant's step: from its parameters, warmup untimed
// steps then inner timed steps (step_time, per step); then the step's six matrix products alone, warmup times
// untimed and inner times timed (blas_time, per step). With verify 1, also what they computed: the parameters
// after the steps, and the six products.
function [result, ndim_of, state] = task_bench_round(config, inputs, ndim_of, state)
    held = held_run(state, "bench_" + config.case_id, "bench_round of case " + config.case_id, "bench_begin");
    if isfield(config, "variant") & variant_of(config) <> held.variant then
        error(msprintf("case %s is held with variant %s, not %s", config.case_id, held.variant, config.variant));
    end
    warmup = setting(config, "warmup");
    inner = setting(config, "inner");
    x = held.x;
    t = held.t;
    lr = held.lr;
    [model, step_fn] = new_net(held.params, held.variant);
    [step_time, model] = time_steps(model, step_fn, x, t, lr, warmup, inner);
    [blas_time, products] = time_products(held.params.W1, held.params.W2, x, warmup, inner);
    result = struct("step_time", step_time, "blas_time", blas_time);
    ndim_of = struct("step_time", 0, "blas_time", 0);
    if isfield(config, "verify") & config.verify == "1" then
        [result, ndim_of] = with_params(result, ndim_of, model);
        for name = fieldnames(products)'
            result(name) = products(name);
            ndim_of(name) = 2;
        end
    end
endfunction

// The tasks this port serves (docs/interchange.md): task_NAME for each NAME.
function names = task_names()
    names = ["noop", "info", "grad", "layers", "perceptron", "train", "first_step", "train_begin", "train_steps", ..
             "train_warmup", "train_end", "bench_begin", "bench_round"];
endfunction

function [result, ndim_of, state] = task_noop(config, inputs, ndim_of, state)
    result = struct();
endfunction
