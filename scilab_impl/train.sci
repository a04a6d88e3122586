// Plain SGD over a given mini-batch index sequence, so that every language replays the same one
// (python_impl/train.py): the step, the one training driver (train_steps: a chunk of steps, each timed) and the
// accuracy. A whole run is made of chunks by the tasks (tasks.sci: train_begin, train_steps, train_end), for a
// one-shot request as for a worker.

// One training step: backprop, then param = param - lr * grad for every parameter, by name. Returns the batch
// loss L before the update. The update writes each parameter where the net says it lives (its layer and
// field, by name) rather than through net_param/net_set_param, which cost four macro calls per parameter.
function [L, net] = sgd_step(net, x, t, lr)
    [L, grads, net] = TwoLayerNet_gradient(net, x, t);
    for k = 1:size(net.param_names, "*")
        owner = net.param_layer(k);
        field = net.param_field(k);
        net.layers(owner)(field) = net.layers(owner)(field) - lr * grads(net.param_names(k));
    end
endfunction

// What a variant trains and the step it takes, both called as [L, model] = step_fn(model, x, t, lr):
// "layers", the book's TwoLayerNet and sgd_step; "fused", the struct of parameters and fused_step (fused.sci).
function [model, step_fn] = new_net(params, variant)
    select variant
    case "layers" then
        model = TwoLayerNet(params);
        step_fn = sgd_step;
    case "fused" then
        model = params;
        step_fn = fused_step;
    else
        error(msprintf("unknown variant ''%s'' (expected layers or fused)", variant));
    end
endfunction

// The parameters of a variant's model as a struct W1, b1, W2, b2.
function params = model_params(model)
    if typeof(model) == "TwoLayerNet" then
        params = net_params(model);
    else
        params = model;
    end
endfunction

// Accuracy of a variant's model (the fused one is evaluated by a layered net built from its parameters).
function acc = model_accuracy(model, x, t)
    if typeof(model) <> "TwoLayerNet" then
        model = TwoLayerNet(model);
    end
    acc = TwoLayerNet_accuracy(model, x, t);
endfunction

// One training step (step_fn, see new_net) on each column of batches (1-based sample indices, one batch
// per column). Returns each step's batch loss and its time (gradient + update, tic/toc; the gather is not timed).
function [losses, step_times, model] = train_steps(model, step_fn, x_train, t_train, batches, lr)
    n = size(batches, 2);
    losses = zeros(n, 1);
    step_times = zeros(n, 1);
    for i = 1:n
        idx = batches(:, i);
        x_batch = x_train(:, idx);
        t_batch = t_train(:, idx);
        tic();
        [losses(i), model] = step_fn(model, x_batch, t_batch, lr);
        step_times(i) = wall_toc();
    end
endfunction

// Seconds since the last tic(), wall clock. Scilab's tic/toc is the finest clock it has (1 us, from
// gettimeofday) but not a monotonic one: it subtracts local hour/minute/second fields, so an interval
// that spans midnight or a time-zone or daylight-saving change is off by a multiple of 30 minutes
// (with TZ changed between tic and toc, toc gives -18000 s). Timed regions here are far shorter than
// 30 minutes, so such a jump is folded back.
function t = wall_toc()
    t = toc();
    if t < 0 | t >= 1800 then
        t = pmodulo(t, 1800);
    end
endfunction
