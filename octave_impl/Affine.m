function layer = Affine(W, b)
% AFFINE  The Affine layer: out = W * x + b, one sample per column (the reference's x . W + b, transposed).
%
%   layer = Affine(W, b);  [out, layer] = layer.forward(layer, x);  [dx, layer] = layer.backward(layer, dout);
%   W is M x D (the transpose of the reference's D x M) and b is M x 1, added to every column. Backward
%   returns dx = W' * dout and sets layer.dW = dout * x' and layer.db = the sum of dout over the batch.
layer = struct('W', W, 'b', b, 'x', [], 'dW', [], 'db', [], 'forward', @forward, 'backward', @backward);
end

function [out, layer] = forward(layer, x)
layer.x = x;
out = layer.W * x + layer.b;
end

function [dx, layer] = backward(layer, dout)
dx = layer.W' * dout;
layer.dW = dout * layer.x';
layer.db = sum(dout, 2);
end
