% kernels: the Octave port's measurement kernels, what a timed request runs between its clock readings, written
% once by the rule of docs/porting.md ("The measurement kernels"): warmup untimed repetitions, then inner timed
% ones read with tic/toc (the finest clock Octave has: the wall clock, to the microsecond), the result per
% repetition; the BLAS floor's six products each into a new result. Part of the dispatcher (entry.m and
% run_folder.m, checks.m, tasks.m, kernels.m).
classdef kernels
  methods (Static)
    function [seconds, model] = time_steps(model, step, x, t, lr, warmup, inner)
      % warmup untimed steps of a variant's step ([L, model] = step(model, x, t, lr), as checks.new_net gives
      % it), then inner timed ones: seconds per step, and the model after them.
      for i = 1:warmup
        [~, model] = step(model, x, t, lr);
      end
      start = tic;
      for i = 1:inner
        [~, model] = step(model, x, t, lr);
      end
      seconds = toc(start) / inner;
    end

    function [seconds, products] = time_products(W1, W2, x, warmup, inner)
      % The step's six matrix products alone, with the step's shapes, each into a new result as the layered
      % step makes them (the reference's x . W1 is W1 * x here, and so on): forward W1*x, W2*h; backward
      % W2'*dy, dy*h', W1'*dh, dh*x'. warmup untimed sets, then inner timed ones: seconds per set of six, and
      % the six products as result rows (named as the results name them).
      h = W1 * x;
      dy = W2 * h;
      dh = W2' * dy;
      for i = 1:warmup
        p1 = W1 * x; p2 = W2 * h; p3 = W2' * dy; p4 = dy * h'; p5 = W1' * dh; p6 = dh * x'; %#ok<NASGU>
      end
      start = tic;
      for i = 1:inner
        p1 = W1 * x; p2 = W2 * h; p3 = W2' * dy; p4 = dy * h'; p5 = W1' * dh; p6 = dh * x'; %#ok<NASGU>
      end
      seconds = toc(start) / inner;
      products = {'p_xW1', h, 2; 'p_hW2', dy, 2; 'p_dyW2t', dh, 2; 'p_htdy', dy * h', 2; ...
                  'p_dhW1t', W1' * dh, 2; 'p_xtdh', dh * x', 2};
    end

    function [W, b, losses, solved, first, times] = time_runs(learn, W0, b0, X, Y, epochs, lr, repeats)
      % A whole perceptron training run (learn: the layered or the fused one) timed once, the first call, then
      % repeats times more: the last run's results, the first time and the repeats' times, in seconds.
      start = tic;
      [W, b, losses, solved] = learn(W0, b0, X, Y, epochs, lr);
      first = toc(start);
      times = zeros(repeats, 1);
      for r = 1:repeats
        start = tic;
        [W, b, losses, solved] = learn(W0, b0, X, Y, epochs, lr);
        times(r) = toc(start);
      end
    end
  end
end
