% Relu: out = max(x, 0). The mask is x <= 0 (as in the book), so the gradient at exactly 0 is 0.
classdef Relu < handle
  properties
    mask   % logical, true where x <= 0
  end
  methods
    function out = forward(obj, x)
      obj.mask = x <= 0;
      out = x;
      out(obj.mask) = 0;
    end

    function dx = backward(obj, dout)
      dx = dout;
      dx(obj.mask) = 0;
    end
  end
end
