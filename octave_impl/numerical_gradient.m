function grad = numerical_gradient(f, x, h)
% NUMERICAL_GRADIENT  Central-difference gradient of f at the array x (h = 1e-4, as in the book).
%
%   grad = numerical_gradient(f, x) evaluates f(x) with each element of x set to x+h and x-h in turn:
%   grad = (f(x+h) - f(x-h)) / 2h, element by element. f takes an array of the size of x and returns
%   a scalar. (The reference perturbs x in place; MATLAB arrays are values, so f gets the perturbed copy.)
if nargin < 3
  h = 1e-4;
end
grad = zeros(size(x));
for i = 1:numel(x)
  keep = x(i);
  x(i) = keep + h;
  f_plus = f(x);
  x(i) = keep - h;
  f_minus = f(x);
  x(i) = keep;
  grad(i) = (f_plus - f_minus) / (2 * h);
end
end
