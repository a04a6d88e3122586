// The two-layer net of "Deep Learning from Scratch", chapter 5: Affine -> Relu -> Affine -> SoftmaxWithLoss
// (python_impl/two_layer_net.py).
//
// One sample per column: x is 784 x N, W1 is H x 784, b1 is H x 1, W2 is 10 x H, b2 is 10 x 1.
// The network is a tlist holding an ordered list of layers. Scilab has no shared references, so the
// parameters live in the layers only (one copy) and are named by PARAM_NAMES: the net records which layer and
// which field of it holds each (param_layer, param_field); net_param reads one, net_set_param writes one.

function names = PARAM_NAMES()
    names = ["W1", "b1", "W2", "b2"];
endfunction

// params: a struct with fields W1, b1, W2, b2 (already in column-per-sample layout).
function net = TwoLayerNet(params)
    layers = list(Affine(params.W1, params.b1), Relu(), Affine(params.W2, params.b2));
    // where each parameter lives: its layer and the field in that layer
    net = tlist(["TwoLayerNet", "layers", "last_layer", "param_names", "param_layer", "param_field"], ..
                layers, SoftmaxWithLoss(), PARAM_NAMES(), [1, 1, 3, 3], ["W", "b", "W", "b"]);
endfunction

function k = net_param_index(net, name)
    k = find(net.param_names == name);
    if k == [] then
        error(msprintf("TwoLayerNet: no parameter %s", name));
    end
endfunction

function value = net_param(net, name)
    k = net_param_index(net, name);
    value = net.layers(net.param_layer(k))(net.param_field(k));
endfunction

function net = net_set_param(net, name, value)
    k = net_param_index(net, name);
    net.layers(net.param_layer(k))(net.param_field(k)) = value;
endfunction

// All parameters as a struct (W1, b1, W2, b2).
function params = net_params(net)
    params = struct();
    for name = PARAM_NAMES()
        params(name) = net_param(net, name);
    end
endfunction

function [x, net] = TwoLayerNet_predict(net, x)
    for i = 1:size(net.layers)
        layer = net.layers(i);
        [x, layer] = layer.forward(layer, x);
        net.layers(i) = layer;
    end
endfunction

// t: one-hot (10 x N) or 1-based class labels (1 x N).
function [loss, net] = TwoLayerNet_loss(net, x, t)
    [y, net] = TwoLayerNet_predict(net, x);
    [loss, net.last_layer] = SoftmaxWithLoss_forward(net.last_layer, y, t);
endfunction

function acc = TwoLayerNet_accuracy(net, x, t)
    [m, y] = max(TwoLayerNet_predict(net, x), "r");  // first maximum on ties, as NumPy's argmax
    if size(t, 1) > 1 then
        [m, labels] = max(t, "r");
    else
        labels = t;
    end
    acc = sum(y == labels) / size(x, 2);
endfunction

// Backprop: returns the loss and a struct of gradients named as the parameters.
function [loss, grads, net] = TwoLayerNet_gradient(net, x, t)
    [loss, net] = TwoLayerNet_loss(net, x, t);
    dout = SoftmaxWithLoss_backward(net.last_layer, 1);
    for i = size(net.layers):-1:1
        layer = net.layers(i);
        [dout, layer] = layer.backward(layer, dout);
        net.layers(i) = layer;
    end
    first = net.layers(1);
    second = net.layers(3);
    grads = struct("W1", first.dW, "b1", first.db, "W2", second.dW, "b2", second.db);
endfunction

// The loss as a function of one parameter's value, for numerical_gradient.
function loss = TwoLayerNet_loss_at(value, net, name, x, t)
    loss = TwoLayerNet_loss(net_set_param(net, name, value), x, t);
endfunction

// Central differences of the loss with respect to every parameter.
function grads = TwoLayerNet_numerical_gradient(net, x, t)
    grads = struct();
    for name = PARAM_NAMES()
        grads(name) = numerical_gradient(list(TwoLayerNet_loss_at, net, name, x, t), net_param(net, name));
    end
endfunction
