function layer = SoftmaxWithLoss()
% SOFTMAXWITHLOSS  Softmax over each column followed by the mean cross-entropy over the batch.
%
%   layer = SoftmaxWithLoss();  [loss, layer] = layer.forward(layer, x, t);  dx = layer.backward(layer, 1);
%   x is C x N (one sample per column); t is one-hot (C x N) or N class labels, 1-based (run_folder.m converts
%   the files' 0-based labels once, where it reads them).
%   The loss uses the exact, stable log-sum-exp form (no +1e-7 inside a log); backward is dout * (y - t) / N.
%   Forward computes the softmax and the log-softmax together, from one exp: y = e ./ z and
%   log y = shifted - log(z), with shifted = x - max(x), e = exp(shifted), z = sum(e). Labels become a
%   logical one-hot matrix with one comparison (a logical matrix takes part in the arithmetic as 0 and 1).
layer = struct('y', [], 't', [], 'loss', [], 'forward', @forward, 'backward', @backward);
end

function [loss, layer] = forward(layer, x, t)
[c, n] = size(x);
if size(t, 1) ~= c || size(t, 2) ~= n
  if numel(t) ~= n || min(t) < 1 || max(t) > c || any(t ~= round(t))
    error('SoftmaxWithLoss: labels must be %d integers in 1..%d', n, c);
  end
  t = (1:c)' == t(:)';
end
shifted = x - max(x, [], 1);
e = exp(shifted);
z = sum(e, 1);
layer.y = e ./ z;
layer.t = t;
loss = -sum(sum(t .* (shifted - log(z)))) / n;
layer.loss = loss;
end

function dx = backward(layer, dout)
if nargin < 2
  dout = 1;
end
dx = dout * (layer.y - layer.t) / size(layer.t, 2);
end
