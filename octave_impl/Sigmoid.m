function layer = Sigmoid()
% SIGMOID  The Sigmoid layer: out = 1 ./ (1 + exp(-x)); backward uses the saved output:
%   dx = dout .* out .* (1 - out).
%
%   layer = Sigmoid();  [out, layer] = layer.forward(layer, x);  [dx, layer] = layer.backward(layer, dout);
layer = struct('out', [], 'forward', @forward, 'backward', @backward);
end

function [out, layer] = forward(layer, x)
out = layers.sigmoid(x);
layer.out = out;
end

function [dx, layer] = backward(layer, dout)
dx = dout .* layer.out .* (1 - layer.out);
end
