% Add: out = x + y; backward passes dout to both inputs unchanged.
classdef Add < handle
  methods
    function out = forward(obj, x, y) %#ok<INUSL>
      out = x + y;
    end

    function [dx, dy] = backward(obj, dout) %#ok<INUSL>
      dx = dout;
      dy = dout;
    end
  end
end
