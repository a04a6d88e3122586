function layer = SoftmaxWithLoss()
% SOFTMAXWITHLOSS  Softmax over each column followed by the mean cross-entropy over the batch.
%
%   layer = SoftmaxWithLoss();  [layer, loss] = layer.forward(layer, x, t);  [layer, dx] = layer.backward(layer, 1);
%   x is C x N (one sample per column); t is one-hot (C x N) or N integer labels, 0-based as in the files.
%   The loss uses the exact, stable log-sum-exp form (no +1e-7 inside a log); backward is dout * (y - t) / N.
layer = struct('y', [], 't', [], 'loss', [], 'forward', @forward, 'backward', @backward);
end

function [layer, loss] = forward(layer, x, t)
[c, n] = size(x);
t = layers.one_hot(t, c, n);
layer.t = t;
layer.y = layers.softmax(x);
loss = -sum(sum(t .* layers.log_softmax(x))) / n;
layer.loss = loss;
end

function [layer, dx] = backward(layer, dout)
if nargin < 2
  dout = 1;
end
dx = dout * (layer.y - layer.t) / size(layer.t, 2);
end
