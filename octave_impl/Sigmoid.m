function layer = Sigmoid()
% SIGMOID  The Sigmoid layer: out = 1 ./ (1 + exp(-x)); backward uses the saved output:
%   dx = dout .* out .* (1 - out).
%
%   layer = Sigmoid();  [layer, out] = layer.forward(layer, x);  [layer, dx] = layer.backward(layer, dout);
layer = struct('out', [], 'forward', @forward, 'backward', @backward);
end

function [layer, out] = forward(layer, x)
out = layers.sigmoid(x);
layer.out = out;
end

function [layer, dx] = backward(layer, dout)
dx = dout .* layer.out .* (1 - layer.out);
end
