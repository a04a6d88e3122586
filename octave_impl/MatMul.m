function layer = MatMul(W)
% MATMUL  The MatMul layer: out = W * x (the reference's x . W, transposed: one sample per column).
%
%   layer = MatMul(W);  [out, layer] = layer.forward(layer, x);  [dx, layer] = layer.backward(layer, dout);
%   The Octave port holds the transpose of every matrix of the Python reference (docs/interchange.md): x is
%   D x N and W is M x D. Backward sets layer.dW = dout * x' (the reference's x' . dout) and returns
%   dx = W' * dout (the reference's dout . W'). A layer is a struct, a value: forward and backward return
%   their result first and the updated layer second.
layer = struct('W', W, 'x', [], 'dW', [], 'forward', @forward, 'backward', @backward);
end

function [out, layer] = forward(layer, x)
layer.x = x;
out = layer.W * x;
end

function [dx, layer] = backward(layer, dout)
layer.dW = dout * layer.x';
dx = layer.W' * dout;
end
