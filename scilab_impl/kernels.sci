// The Scilab port's measurement kernels: what a timed request runs between its clock readings, written once by
// the rule of docs/porting.md ("The measurement kernels"): `warmup` untimed repetitions, then `inner` timed ones
// read with tic/toc (wall_toc, train.sci), the result per repetition; the BLAS floor's six products each into a
// new result. Part of the dispatcher (entry.sce, checks.sci, tasks.sci, kernels.sci).

// warmup untimed steps of a variant's step (step_fn, as new_net gives it), then inner timed ones: seconds
// per step, and the model after them. (No result is named `seconds`: Scilab 2024 has a function of that name.)
function [per_step, model] = time_steps(model, step_fn, x, t, lr, warmup, inner)
    for k = 1:warmup
        [L, model] = step_fn(model, x, t, lr);
    end
    tic();
    for k = 1:inner
        [L, model] = step_fn(model, x, t, lr);
    end
    per_step = wall_toc() / inner;
endfunction

// The step's six matrix products alone, with the step's shapes, each into a new result as the layered step makes
// them (one sample per column, so each is the transpose of the Python product): forward W1*x, W2*h; backward
// W2'*dy, dy*h', W1'*dh, dh*x'. warmup untimed sets, then inner timed ones: seconds per set of six, and the six
// products (named as the results name them).
function [per_set, products] = time_products(W1, W2, x, warmup, inner)
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
    per_set = wall_toc() / inner;
    products = struct("p_xW1", h, "p_hW2", dy, "p_dyW2t", dh, "p_htdy", dy * h', "p_dhW1t", W1' * dh, ..
                      "p_xtdh", dh * x');
endfunction

// A whole perceptron training run (train_fn, the layered or the fused one) timed once, the first call, then
// repeats times more: the last run's results, the first time and the repeats' times, in seconds.
function [W, b, losses, solved, first, times] = time_runs(train_fn, W0, b0, x, y, epochs, lr, repeats)
    tic();
    [W, b, losses, solved] = train_fn(W0, b0, x, y, epochs, lr);
    first = wall_toc();
    times = zeros(repeats, 1);
    for r = 1:repeats
        tic();
        [W, b, losses, solved] = train_fn(W0, b0, x, y, epochs, lr);
        times(r) = wall_toc();
    end
endfunction
