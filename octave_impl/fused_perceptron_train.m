function [W, b, losses, solved] = fused_perceptron_train(W, b, X, Y, epochs, lr)
% FUSED_PERCEPTRON_TRAIN  perceptron.train written as one loop: the same arguments, maths and results, the epoch inline.
%
%   [W, b, losses, solved] = fused_perceptron_train(W, b, X, Y, epochs, lr)
%   X is n x N (one sample per column), W n x 1, b a scalar, Y a 1 x N row of 0/1 targets. Each epoch:
%   A = sigmoid(W' X + b), E = 1/2 sum (A - Y)^2 (losses(epoch), before the update), dZ = (A - Y) .* A .* (1 - A)
%   computed once, W -= lr * X dZ', b -= lr * sum(dZ). solved is the number of updates after which all inputs
%   are first classified correctly (-1 if never), as in perceptron.train.
% No calls to forward/backward helpers: with four samples an interpreted call costs far more than its
% arithmetic, so the fewest statements win.
losses = zeros(epochs, 1);
solved = -1;
target = Y > 0.5;
for epoch = 1:epochs
  A = 1 ./ (1 + exp(-(W' * X + b)));
  if solved < 0 && all((A > 0.5) == target)
    solved = epoch - 1;
  end
  D = A - Y;
  losses(epoch) = 0.5 * sum(D .^ 2);
  dZ = D .* A .* (1 - A);
  W = W - lr * (X * dZ');
  b = b - lr * sum(dZ);
end
if solved < 0 && all((1 ./ (1 + exp(-(W' * X + b))) > 0.5) == target)
  solved = epochs;
end
end
