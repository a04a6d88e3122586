// Plain SGD over a given mini-batch index sequence, so that every language replays the same one
// (python_impl/train.py).

// One training step: backprop, then param = param - lr * grad. Returns the batch loss before the update.
function [loss, net] = sgd_step(net, x, t, lr)
    [loss, grads, net] = TwoLayerNet_gradient(net, x, t);
    for name = PARAM_NAMES()
        net = net_set_param(net, name, net_param(net, name) - lr * grads(name));
    end
endfunction

// One training step on each column of batches (1-based sample indices, one batch per column). Returns each
// step's batch loss and its time (gradient + update, tic/toc; the gather is not timed).
function [losses, step_times, net] = train_steps(net, x_train, t_train, batches, lr)
    n = size(batches, 2);
    losses = zeros(n, 1);
    step_times = zeros(n, 1);
    for i = 1:n
        idx = batches(:, i);
        x_batch = x_train(:, idx);
        t_batch = t_train(:, idx);
        tic();
        [losses(i), net] = sgd_step(net, x_batch, t_batch, lr);
        step_times(i) = wall_toc();
    end
endfunction

// Trains on the samples (columns) batches(:, i), 1-based, for i = 1 .. iters.
// Records the batch loss and the time of every step (train_steps) and the train/test accuracy after every
// `eval_every` steps and after the last. progress(i, iters) is called after each evaluation when given.
function [result, net] = train(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress)
    iters = size(batches, 2);
    losses = zeros(iters, 1);
    step_times = zeros(iters, 1);
    train_acc = [];
    test_acc = [];
    for first = 1:eval_every:iters
        last = min(first + eval_every - 1, iters);
        [chunk_losses, chunk_times, net] = train_steps(net, x_train, t_train, batches(:, first:last), lr);
        losses(first:last) = chunk_losses;
        step_times(first:last) = chunk_times;
        train_acc($ + 1, 1) = TwoLayerNet_accuracy(net, x_train, t_train);
        test_acc($ + 1, 1) = TwoLayerNet_accuracy(net, x_test, t_test);
        if argn(2) >= 9 then
            progress(last, iters);
        end
    end
    result = struct("loss", losses, "step_times", step_times, "train_acc", train_acc, "test_acc", test_acc);
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
