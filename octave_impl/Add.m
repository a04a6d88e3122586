function layer = Add()
% ADD  The Add layer: out = x + y; backward passes dout to both inputs unchanged.
%
%   layer = Add();  [layer, out] = layer.forward(layer, x, y);  [layer, dx, dy] = layer.backward(layer, dout);
layer = struct('forward', @forward, 'backward', @backward);
end

function [layer, out] = forward(layer, x, y)
out = x + y;
end

function [layer, dx, dy] = backward(layer, dout)
dx = dout;
dy = dout;
end
