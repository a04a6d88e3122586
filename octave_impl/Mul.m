function layer = Mul()
% MUL  The Mul layer: out = x .* y (element-wise); backward: dx = dout .* y, dy = dout .* x.
%
%   layer = Mul();  [out, layer] = layer.forward(layer, x, y);  [dx, dy] = layer.backward(layer, dout);
layer = struct('x', [], 'y', [], 'forward', @forward, 'backward', @backward);
end

function [out, layer] = forward(layer, x, y)
layer.x = x;
layer.y = y;
out = x .* y;
end

function [dx, dy] = backward(layer, dout)
dx = dout .* layer.y;
dy = dout .* layer.x;
end
