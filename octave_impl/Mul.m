% Mul: out = x .* y (element-wise); backward: dx = dout .* y, dy = dout .* x.
classdef Mul < handle
  properties
    x
    y
  end
  methods
    function out = forward(obj, x, y)
      obj.x = x;
      obj.y = y;
      out = x .* y;
    end

    function [dx, dy] = backward(obj, dout)
      dx = dout .* obj.y;
      dy = dout .* obj.x;
    end
  end
end
