// Central-difference numerical gradient (h = 1e-4, as in the book); python_impl/gradient.py.

// Gradient of f with respect to the array x: each element is set to x+h and x-h in turn and restored
// afterwards, grad = (f(x+h) - f(x-h)) / 2h.
// f is a function of the array alone, v = f(x), or, as Scilab's solvers take it (optim, ode, fsolve),
// list(fn, a1, a2, ...) for v = fn(x, a1, a2, ...).
function grad = numerical_gradient(f, x, h)
    if argn(2) < 3 then
        h = 1e-4;
    end
    if type(f) == 15 then  // list(fn, extra arguments...)
        fn = f(1);
        args = list(f(2:$));
    else
        fn = f;
        args = list();
    end
    grad = zeros(x);
    for i = 1:size(x, "*")
        keep = x(i);
        x(i) = keep + h;
        f_plus = fn(x, args(:));
        x(i) = keep - h;
        f_minus = fn(x, args(:));
        x(i) = keep;
        grad(i) = (f_plus - f_minus) / (2 * h);
    end
endfunction
