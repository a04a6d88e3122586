% SoftmaxWithLoss: softmax over each column followed by the mean cross-entropy over the batch.
%
% x is C x N (one sample per column). The target t is either one-hot (C x N, the same size as x) or a
% vector of N integer labels, 0-based as in the files. The loss uses the exact, stable log-sum-exp form
% (no +1e-7 inside a log); backward is dout * (y - t) / N.
classdef SoftmaxWithLoss < handle
  properties
    y      % softmax of the last forward input
    t      % one-hot target of the last forward call
    loss   % the last loss
  end
  methods
    function loss = forward(obj, x, t)
      [c, n] = size(x);
      t = SoftmaxWithLoss.one_hot(t, c, n);
      obj.t = t;
      obj.y = SoftmaxWithLoss.softmax(x);
      loss = -sum(sum(t .* SoftmaxWithLoss.log_softmax(x))) / n;
      obj.loss = loss;
    end

    function dx = backward(obj, dout)
      if nargin < 2
        dout = 1;
      end
      t = obj.t;
      dx = dout * (obj.y - t) / size(t, 2);
    end
  end
  methods (Static)
    function y = softmax(x)
      % Column-wise softmax, shifted by each column's maximum for stability.
      e = exp(x - max(x, [], 1));
      y = e ./ sum(e, 1);
    end

    function y = log_softmax(x)
      % Column-wise log-softmax by log-sum-exp: exact and stable.
      shifted = x - max(x, [], 1);
      y = shifted - log(sum(exp(shifted), 1));
    end

    function out = one_hot(t, classes, n)
      % Labels (N values, 0-based) to a one-hot classes x N matrix; a classes x N matrix is returned as is.
      if size(t, 1) == classes && size(t, 2) == n
        out = t;
        return;
      end
      if numel(t) ~= n
        error('SoftmaxWithLoss: %d labels for a batch of %d', numel(t), n);
      end
      labels = double(t(:)');
      if any(labels < 0 | labels >= classes | labels ~= round(labels))
        error('SoftmaxWithLoss: labels must be integers in 0..%d', classes - 1);
      end
      out = zeros(classes, n);
      out(labels + 1 + (0:n - 1) * classes) = 1;
    end
  end
end
