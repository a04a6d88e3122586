% layers: the functions the reference's layers module shares (layers.sigmoid, layers.softmax, ...).
%
% A class with static methods only, used as a namespace: layers.sigmoid(x) as in the reference. The layers
% themselves are structs made by MatMul, Add, Mul, Relu, Sigmoid, Affine and SoftmaxWithLoss (one file each).
% One sample per column: a batch of scores x is C x N.
classdef layers
  methods (Static)
    function y = sigmoid(x)
      y = 1 ./ (1 + exp(-x));
    end

    function y = softmax(x)
      % Column-wise softmax, shifted by each column's maximum for stability.
      e = exp(x - max(x, [], 1));
      y = e ./ sum(e, 1);
    end

    function y = log_softmax(x)
      % Column-wise log-softmax by log-sum-exp: exact and stable (no +1e-7 inside a log).
      shifted = x - max(x, [], 1);
      y = shifted - log(sum(exp(shifted), 1));
    end

    function out = one_hot(t, classes, n)
      % N integer labels (0-based, as in the files) to a one-hot classes x N matrix; a classes x N matrix
      % is taken as one-hot already and returned as is.
      if size(t, 1) == classes && size(t, 2) == n
        out = t;
        return;
      end
      if numel(t) ~= n
        error('one_hot: %d labels for a batch of %d', numel(t), n);
      end
      labels = double(t(:)');
      if any(labels < 0 | labels >= classes | labels ~= round(labels))
        error('one_hot: labels must be integers in 0..%d', classes - 1);
      end
      out = zeros(classes, n);
      out(labels + 1 + (0:n - 1) * classes) = 1;
    end
  end
end
