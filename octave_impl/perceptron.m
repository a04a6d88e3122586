% perceptron: the single perceptron, Z = W' * X + b, A = sigmoid(Z), E = 1/2 sum (A - Y)^2.
%
% Static functions, called as perceptron.forward(...), perceptron.train(...), like the reference module.
% One sample per column: X is n x N, W is n x 1, b a scalar, Y a 1 x N row of 0/1 targets.
% The chain-rule factor dZ = (A - Y) .* sigmoid(Z) .* (1 - sigmoid(Z)) is computed once and shared by
% both gradients: dW = X * dZ' (the reference's dZ . X), db = sum(dZ).
classdef perceptron
  methods (Static)
    function [Z, A] = forward(W, b, X)
      Z = W' * X + b;
      A = layers.sigmoid(Z);
    end

    function E = loss(W, b, X, Y)
      % E = 1/2 sum (A - Y)^2
      [~, A] = perceptron.forward(W, b, X);
      E = 0.5 * sum((A - Y) .^ 2);
    end

    function [dW, db] = backward(A, X, Y)
      % (dW, db) from the forward output A; the shared factor dZ is computed once.
      dZ = (A - Y) .* A .* (1 - A);  % (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)), with sigmoid(Z) = A
      dW = X * dZ';
      db = sum(dZ);
    end

    function [E, dW, db] = gradient(W, b, X, Y)
      [~, A] = perceptron.forward(W, b, X);
      E = 0.5 * sum((A - Y) .^ 2);
      [dW, db] = perceptron.backward(A, X, Y);
    end

    function p = predict(W, b, X)
      [~, A] = perceptron.forward(W, b, X);
      p = double(A > 0.5);
    end

    function [W, b, losses, solved] = train(W, b, X, Y, epochs, lr)
      % Full-batch gradient descent for `epochs` epochs. losses(e) is E before update e, and solved is the
      % number of updates after which all inputs are first classified correctly (-1 if never).
      losses = zeros(epochs, 1);
      solved = -1;
      for epoch = 1:epochs
        [~, A] = perceptron.forward(W, b, X);
        if solved < 0 && all((A > 0.5) == (Y > 0.5))
          solved = epoch - 1;
        end
        losses(epoch) = 0.5 * sum((A - Y) .^ 2);
        [dW, db] = perceptron.backward(A, X, Y);
        W = W - lr * dW;
        b = b - lr * db;
      end
      if solved < 0 && all(perceptron.predict(W, b, X) == (Y > 0.5))
        solved = epochs;
      end
    end
  end
end
