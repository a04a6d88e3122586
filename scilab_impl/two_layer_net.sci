// The two-layer net of "Deep Learning from Scratch", chapter 5: Affine -> Relu -> Affine -> SoftmaxWithLoss
// (python_impl/two_layer_net.py).
//
// One sample per column: x is 784 x N, W1 is H x 784, b1 is H x 1, W2 is 10 x H, b2 is 10 x 1.
// The network is a tlist holding its layers, found by name as in the book: a struct with the fields Affine1,
// Relu1 and Affine2, in that order (layer_names), and SoftmaxWithLoss as the last layer. Scilab has no shared
// references, so the parameters live in the layers only (one copy) and are named by PARAM_NAMES: the net
// records which layer (by name) and which field of it holds each (param_layer, param_field); net_param reads
// one, net_set_param writes one.

function names = PARAM_NAMES()
    names = ["W1", "b1", "W2", "b2"];
endfunction

// params: a struct with fields W1, b1, W2, b2 (already in column-per-sample layout).
function net = TwoLayerNet(params)
    layers = struct("Affine1", Affine(params.W1, params.b1), "Relu1", Relu(), "Affine2", Affine(params.W2, params.b2));
    // where each parameter lives: its layer and the field in that layer
    net = tlist(["TwoLayerNet", "layers", "layer_names", "last_layer", "param_names", "param_layer", "param_field"], ..
                layers, ["Affine1", "Relu1", "Affine2"], SoftmaxWithLoss(), PARAM_NAMES(), ..
                ["Affine1", "Affine1", "Affine2", "Affine2"], ["W", "b", "W", "b"]);
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
    for name = net.layer_names
        layer = net.layers(name);
        [x, layer] = layer.forward(layer, x);
        net.layers(name) = layer;
    end
endfunction

// t: one-hot (10 x N) or 1-based class labels (1 x N).
function [L, net] = TwoLayerNet_loss(net, x, t)
    [y, net] = TwoLayerNet_predict(net, x);
    [L, net.last_layer] = SoftmaxWithLoss_forward(net.last_layer, y, t);
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
function [L, grads, net] = TwoLayerNet_gradient(net, x, t)
    [L, net] = TwoLayerNet_loss(net, x, t);
    dout = SoftmaxWithLoss_backward(net.last_layer, 1);
    for name = net.layer_names($:-1:1)
        layer = net.layers(name);
        [dout, layer] = layer.backward(layer, dout);
        net.layers(name) = layer;
    end
    affine1 = net.layers.Affine1;
    affine2 = net.layers.Affine2;
    grads = struct("W1", affine1.dW, "b1", affine1.db, "W2", affine2.dW, "b2", affine2.db);
endfunction

// The loss as a function of one parameter's value, for numerical_gradient.
function L = TwoLayerNet_loss_at(value, net, name, x, t)
    L = TwoLayerNet_loss(net_set_param(net, name, value), x, t);
endfunction

// Central differences of the loss with respect to every parameter.
function grads = TwoLayerNet_numerical_gradient(net, x, t)
    grads = struct();
    for name = PARAM_NAMES()
        grads(name) = numerical_gradient(list(TwoLayerNet_loss_at, net, name, x, t), net_param(net, name));
    end
endfunction
